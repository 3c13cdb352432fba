// The tracker moved to src/tracker/ (one module per part; see its index.ts). This path stays
// for imports written before the move.
export * from './tracker/index.js'
