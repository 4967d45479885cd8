/**
 * Structure passages and navigation detection as pure functions: sections from a PDF outline
 * (found on their pages with their numbers, never on a TOC line), page spans and offsets, the
 * word budget with paragraph cuts and overlap, and what counts as a navigation page.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isNavigationPage, isNavigationTitle } from '../../src/domain/navigation.js';
import { splitStructurePassages, type StructurePage } from '../../src/domain/structure-passages.js';
import { longestEventLoopWait } from '../helpers/event-loop.js';

const page = (number: number, text: string): StructurePage => ({ number, text, markdown: text });
let counter = 0;
const ids = (): string => `chk_${counter++}`;

const TOC = [
  'Table of Contents',
  '1 Models . . . . . . . . . . 2',
  '1.1 Linear models . . . . . . 2',
  '1.2 Formulae . . . . . . . . 3',
  '2 Graphics . . . . . . . . . 4',
  '2.1 Plots . . . . . . . . . . 4',
  'Index . . . . . . . . . . . . 5',
].join('\n');

const PAGES = [
  page(1, TOC),
  page(2, '1 Models\n\nModels describe data.\n\n1.1 Linear models\n\nThe lm function fits them.'),
  page(3, 'More about linear models here.\n\n1.2 Formulae\n\nA formula names the response.'),
];
const OUTLINE = [
  {
    title: 'Models',
    page: 2,
    children: [
      { title: 'Linear models', page: 2, children: [] },
      { title: 'Formulae', page: 3, children: [] },
    ],
  },
];

describe('splitStructurePassages', () => {
  it('cuts at the outline entries on their pages, keeping section numbers, spanning pages', async () => {
    const passages = await splitStructurePassages(
      't',
      'd',
      PAGES,
      OUTLINE,
      0,
      {
        maxTokens: 200,
        overlap: 0,
      },
      ids,
    );
    const view = passages.map((p) => [
      p.heading_path.at(-1) ?? null,
      p.page,
      p.page_end,
      p.navigation,
    ]);
    assert.deepEqual(view, [
      [null, 1, 1, true],
      ['Models', 2, 2, false],
      ['Linear models', 2, 3, false],
      ['Formulae', 3, 3, false],
    ]);
    const linear = passages[2];
    assert.deepEqual(linear?.heading_path, ['Models', 'Linear models']);
    assert.equal(
      linear?.text,
      '1.1 Linear models\n\nThe lm function fits them.\n\nMore about linear models here.',
    );
    // Offsets: start in page 2's text, end in page 3's.
    assert.equal(
      PAGES[1]?.text.slice(linear?.start),
      '1.1 Linear models\n\nThe lm function fits them.',
    );
    assert.equal(PAGES[2]?.text.slice(0, linear?.end), 'More about linear models here.');
    assert.equal(linear?.word_count, 13);
  });

  it('keeps passages within the budget, cut at paragraph ends, with overlap', async () => {
    const paragraphs = Array.from(
      { length: 6 },
      (_, i) => `Paragraph ${i} ${'word '.repeat(8).trim()}.`,
    );
    const text = `# Long\n\n${paragraphs.join('\n\n')}`;
    const passages = await splitStructurePassages(
      't',
      'd',
      [{ number: 1, text: text.replace('# ', ''), markdown: text }],
      undefined,
      0,
      { maxTokens: 24, overlap: 3 },
      ids,
    );
    assert.ok(passages.length >= 3, String(passages.length));
    for (const passage of passages) {
      assert.ok(passage.word_count <= 30, String(passage.word_count));
      assert.deepEqual(passage.heading_path, ['Long']);
    }
    // The next passage starts with the last three words of the one before.
    const [first, second] = passages;
    const tail = first?.text.split(/\s+/).slice(-3).join(' ');
    assert.ok(second?.text.startsWith(tail ?? '?'), `${tail} | ${second?.text}`);
  });
});

describe('navigation detection', () => {
  it('knows a table of contents and an index page from a page of prose or of numbers', () => {
    assert.equal(isNavigationPage(TOC), true);
    assert.equal(
      isNavigationPage(
        ['lm, 12, 40', 'glm, 14', 'anova, 20-22', 'plot, 3', 'print, 5', 'summary, 7'].join('\n'),
      ),
      true,
    );
    assert.equal(isNavigationPage(PAGES[1]?.text ?? ''), false);
    const table = ['1 2 3 4', '5 6 7 8', '9 10 11 12', '13 14 15 16', '17 18 19 20', '21 22 23 24'];
    assert.equal(isNavigationPage(table.join('\n')), false);
  });

  it('knows navigation section titles', () => {
    for (const title of [
      'Contents',
      'Table of Contents',
      'Index',
      'Function and variable index',
      'List of Figures',
    ])
      assert.equal(isNavigationTitle(title), true, title);
    for (const title of ['Indexing vectors', 'Linear models', 'Contents of a data frame'])
      assert.equal(isNavigationTitle(title), false, title);
  });
});

describe('structure passages of a large document', () => {
  const text = (words: number): string =>
    Array.from({ length: words }, (_, i) => (i % 12 === 11 ? 'end.' : 'word')).join(' ');

  // The scan yields every 20 ms whether the words are on one page or spread over thousands.
  for (const [shape, pages] of [
    ['one page of a million words', [page(1, text(1_000_000))]],
    ['10,000 pages of 100 words', Array.from({ length: 10_000 }, (_, i) => page(i + 1, text(100)))],
  ] as const) {
    it(`${shape} is cut without holding the event loop`, async () => {
      let words = 0;
      const waited = await longestEventLoopWait(async () => {
        const passages = await splitStructurePassages('acme', 'doc', [...pages], undefined, 0, {
          maxTokens: 200,
          overlap: 0,
        });
        words = passages.reduce((sum, passage) => sum + passage.word_count, 0);
      });
      assert.equal(words, 1_000_000);
      assert.ok(waited < 500, `the event loop waited ${Math.round(waited)} ms at once`);
    });
  }
});
