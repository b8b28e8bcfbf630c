// input-line.ts still imports from here (it is being reworked for paste); the measure lives in src/apps/text.
export { graphemes, stringWidth } from '../text/width.js'
