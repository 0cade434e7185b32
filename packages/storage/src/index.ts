export {
  type BatchOperation,
  type Database,
  LevelDatabase,
  type RangeOptions,
  type Store,
  type WriteOptions,
} from './database.js';
export { ensureSafeHome, resolveAstridHome } from './home.js';
export { sortableNumberKey } from './keys.js';
