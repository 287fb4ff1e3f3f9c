// KQL (Kibana Query Language): parse, print, compile to a predicate over an ECS document, and inspect.

export type { KqlNode, KqlRangeOperator, KqlValue, KqlValueExpr } from './ast.ts';
export { fieldName, isFieldPattern } from './ast.ts';
export { KqlSyntaxError, lineAndColumn, parseKql } from './parse.ts';
export { printKql, printKqlValue } from './print.ts';
export { compileKql } from './compile.ts';
export type {
  KqlCompileOptions,
  KqlCompileResult,
  KqlFieldMapping,
  KqlFieldResolver,
  KqlFieldType,
  KqlPredicate,
  KqlProblem,
} from './compile.ts';
export { referencedFields, requiredValues } from './fields.ts';
