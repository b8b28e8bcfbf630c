/** The control protocol's types live with the other formats (src/wire/api.ts); the apps reach them here. */
export * from '../wire/api.js'
