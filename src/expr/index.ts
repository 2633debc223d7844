/**
 * Public expression API: polars-style column expressions for `select`, `withColumns` and
 * `filter`. Semantics: `docs/expressions.md`.
 */
export { Expr, Then, When, col, fn, lit, when } from './expr';
export type {
  ArithOp,
  CmpOp,
  ExprLike,
  ExprNode,
  FnCallback,
  FnOptions,
  FnResult,
  LitValue,
  LogicOp,
  UnaryOp,
} from './expr';
export type { SelectItem, WithColumnsItem } from './plan';
