// The KQL (Kuery) syntax tree: what the parser builds, the printer writes back and the compiler turns into a predicate.

/** A value as written: a quoted phrase, or an unquoted literal whose `parts` are separated by `*` wildcards. */
export type KqlValue =
  | { readonly kind: 'quoted'; readonly text: string }
  /** `parts.length === 1`: no wildcard; `['', '']`: the lone `*` (existence). Escaped `\*` stays inside a part. */
  | { readonly kind: 'unquoted'; readonly parts: readonly string[] };

/** The value side of `field: ...`: one value, or a boolean combination of values in parentheses. */
export type KqlValueExpr =
  | { readonly type: 'value'; readonly value: KqlValue }
  | { readonly type: 'or'; readonly children: readonly KqlValueExpr[] }
  | { readonly type: 'and'; readonly children: readonly KqlValueExpr[] }
  | { readonly type: 'not'; readonly child: KqlValueExpr };

export type KqlRangeOperator = '<' | '<=' | '>' | '>=';

export type KqlNode =
  | { readonly type: 'or'; readonly children: readonly KqlNode[] }
  | { readonly type: 'and'; readonly children: readonly KqlNode[] }
  | { readonly type: 'not'; readonly child: KqlNode }
  /** `field: values`. `offset` is where the field name starts in the query text. */
  | {
      readonly type: 'field';
      readonly field: KqlValue;
      readonly values: KqlValueExpr;
      readonly offset: number;
    }
  | {
      readonly type: 'range';
      readonly field: KqlValue;
      readonly operator: KqlRangeOperator;
      readonly value: KqlValue;
      readonly offset: number;
    }
  /** `field: { query }`: the inner query's field names are relative to `field`. */
  | { readonly type: 'nested'; readonly field: KqlValue; readonly query: KqlNode; readonly offset: number }
  /** A value without a field: Kibana searches every field for it. */
  | { readonly type: 'text'; readonly value: KqlValue; readonly offset: number }
  /** The empty query, which Kibana reads as "match everything". */
  | { readonly type: 'all' };

/** The field name a `KqlValue` in field position stands for; wildcards are kept as `*`. */
export function fieldName(field: KqlValue): string {
  return field.kind === 'quoted' ? field.text : field.parts.join('*');
}

/** True when the field name holds an (unescaped) wildcard. */
export function isFieldPattern(field: KqlValue): boolean {
  return field.kind === 'unquoted' && field.parts.length > 1;
}
