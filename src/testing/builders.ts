/** The batch builders live in `src/batch/from-js.ts` (the sources use them too); the testing entry re-exports them. */
export * from '../batch/from-js';
