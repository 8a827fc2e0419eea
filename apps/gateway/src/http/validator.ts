// The one request validator of every route: Ajv, configured here once.
// JSON and form bodies, params and headers are taken as sent: no type coercion, no unknown field dropped,
// so `"scopes": "a"` is a 400, not `["a"]`. A query string is text by nature: its values become the
// number or boolean that the route's schema names, and nothing else.
import { Ajv, type AnySchema } from 'ajv'
import ajvFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

function ajvWith (coerceTypes: boolean): Ajv {
  // allErrors stays off: reporting every error of a hostile document is work an attacker chooses.
  const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false, strict: true })
  // A CommonJS module: its ESM default is module.exports, whose `default` is the plugin.
  ajvFormats.default(ajv)
  return ajv
}

const strict = ajvWith(false)
const query = ajvWith(true)

/** The same strict validator, for input that arrives another way than HTTP (the CLI's options). */
export const compileStrict = (schema: AnySchema) => strict.compile(schema)

/** Fastify's validator compiler for every route (`app.setValidatorCompiler`). */
export const validatorCompiler: FastifySchemaCompiler<AnySchema> = ({ schema, httpPart }) =>
  (httpPart === 'querystring' ? query : strict).compile(schema)
