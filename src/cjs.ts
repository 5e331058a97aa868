/**
 * The CommonJS entry: `require('expression.socket.io')` is the `ExpressionSocket` constructor,
 * as it was in 2012, and also carries every named export (`require(...).sessionAccess`).
 */
import * as api from './index'

const expressionSocket: typeof api.ExpressionSocket & typeof api = Object.assign(api.ExpressionSocket, api)

export = expressionSocket
