// The ES module entry: named exports, and `ExpressionSocket` as the default export.
export * from './index.js'
export { ExpressionSocket as default } from './index.js'
