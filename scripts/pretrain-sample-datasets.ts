// Regenerate resources/samples/{style,subject} from the fluentui-emoji npm package (deterministic; run from the
// repository root: npx tsx scripts/pretrain-sample-datasets.ts). The output is committed.
import { join } from 'node:path';
import { styleDataset, subjectDataset, writeDataset } from '../packages/models/src/default-model/sample-datasets';
import { DEFAULT_PIXEL_FORMAT } from '../packages/models/src/default-model/spec';

const root = join(import.meta.dirname, '..', 'resources', 'samples');
const side = DEFAULT_PIXEL_FORMAT.size;
const style = await styleDataset(side);
await writeDataset(join(root, 'style'), style);
const subject = await subjectDataset(side);
await writeDataset(join(root, 'subject'), subject);
console.log(`Wrote ${style.length} style and ${subject.length} subject images (${side}×${side}) under ${root}`);
