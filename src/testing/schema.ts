/** The schema shorthands live in `src/batch/schema-spec.ts`; the testing entry re-exports them. */
export * from '../batch/schema-spec';
