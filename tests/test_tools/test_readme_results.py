"""README's result tables are the benchmark tools' own results.md files.

A table copied from ``docs/results/NAME.md`` (written by a benchmark tool,
e.g. ``tools/analysis/real_video_benchmark.py``, with its results.json next
to it) must appear in README.md line for line, so a re-run that changes a
figure fails here until the README is updated.
"""
import glob
import json
import os.path as osp

import pytest
from demo_tools import REPO

RESULTS = sorted(glob.glob(osp.join(REPO, 'docs', 'results', '*.md')))


def table_lines(text: str):
    return [line for line in text.splitlines() if line.startswith('|')]


def test_there_are_committed_results():
    assert RESULTS, 'docs/results/*.md: no committed benchmark results'


@pytest.mark.parametrize('path', RESULTS, ids=osp.basename)
def test_readme_table_equals_the_results_file(path):
    with open(osp.join(REPO, 'README.md'), encoding='utf-8') as f:
        readme = f.read().splitlines()
    with open(path, encoding='utf-8') as f:
        lines = table_lines(f.read())
    assert lines, f'{path} holds no table'
    start = readme.index(lines[0]) if lines[0] in readme else -1
    assert start >= 0, f'README.md lacks the table of {path}'
    assert readme[start:start + len(lines)] == lines, (
        f'README.md differs from {path}: copy the table again')


@pytest.mark.parametrize('path', RESULTS, ids=osp.basename)
def test_results_file_matches_its_json(path):
    """Every mean ± std cell is the JSON summary's, rounded."""
    with open(path[:-3] + '.json', encoding='utf-8') as f:
        summary = json.load(f)['summary']
    with open(path, encoding='utf-8') as f:
        rows = table_lines(f.read())[2:]
    for row in rows:
        arm, *cells = [c.strip() for c in row.strip('|').split('|')]
        values = [v for v in summary[arm].values()]
        filled = [c for c in cells if c != '—']
        assert filled == [
            '{:.3f} ± {:.3f}'.format(v['mean'], v['std']) for v in values
        ], arm
