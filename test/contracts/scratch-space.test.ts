import { join } from 'node:path';
import { scratchWriter } from '../../src/adapters/fs-scratch/scratch-writer.js';
import { tempDir } from '../helpers/app.js';
import { scratchSpaceContract } from './scratch-space.contract.js';

scratchSpaceContract({
  name: 'local directory',
  create() {
    const dir = join(tempDir(), 'tmp');
    return { write: scratchWriter(dir), dir };
  },
});
