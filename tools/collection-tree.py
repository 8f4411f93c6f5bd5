#!/usr/bin/env python3
"""Make or refresh build/collections/ansible_collections/cloudforyou/cortex from the repository; print its path.

ansible-test, ansible-lint and antsibull-docs want the collection at .../ansible_collections/<ns>/<name>/ and
ansible-test resolves the working directory's real path, so a symlink to the repository does not do. This copies
the files that `ansible-galaxy collection build` would ship (galaxy.yml build_ignore is honoured, and the usual
caches and databases are left out), and only copies what changed: a refresh takes well under a second. Files gone
from the repository are removed from the tree; the tree's tests/output/ (ansible-test's results) is kept. The tree
gets a git repository of its own (see ensure_git). --dest makes a tree elsewhere (tools/checks/integration.sh makes
a private one per run).

Usage: tools/collection-tree.py [--dest DIR] [--quiet]     (stdlib only; any Python 3 runs it)
"""

import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Never copied, whatever galaxy.yml says. Paths relative to the repository root (fnmatch, like build_ignore) ...
IGNORED_PATHS = ['.venv', 'build', 'tests/output', '.cache', '*.tar.gz']
# ... and file or directory names, anywhere.
IGNORED_NAMES = [
    '.git', '.ansible', '.pytest_cache', '.hypothesis', '.tox', '.mypy_cache', '.ruff_cache', '__pycache__',
    '*.pyc', '*.pyo', '*.egg-info', '*.retry', '*.db', '*.db-wal', '*.db-shm', '.coverage', '.DS_Store', '*.swp',
]
KEPT_IN_TREE = {'tests/output', '.git'}  # made inside the tree; never deleted on refresh


def galaxy_meta():
    """namespace, name and build_ignore from galaxy.yml, read without needing PyYAML (the format is simple)."""
    namespace = name = None
    ignore = []
    in_ignore = False
    with open(os.path.join(ROOT, 'galaxy.yml'), encoding='utf-8') as fh:
        for line in fh:
            stripped = line.split(' #', 1)[0].rstrip()
            m = re.match(r'^(namespace|name):\s*(\S+)', stripped)
            if m:
                value = m.group(2).strip('\'"')
                if m.group(1) == 'namespace':
                    namespace = value
                else:
                    name = value
            if re.match(r'^build_ignore:\s*$', stripped):
                in_ignore = True
                continue
            if in_ignore:
                m = re.match(r'^\s*-\s+(.+)$', stripped)
                if m:
                    ignore.append(m.group(1).strip().strip('\'"'))
                elif stripped and not stripped.startswith(' '):
                    in_ignore = False
    if not namespace or not name:
        sys.exit('collection-tree: galaxy.yml has no namespace/name')
    return namespace, name, ignore


def ignored(rel, patterns):
    if any(fnmatch.fnmatch(rel, pat.rstrip('/')) for pat in patterns):
        return True
    base = os.path.basename(rel)
    return any(fnmatch.fnmatch(base, pat) for pat in IGNORED_NAMES)


def same(src, dst):
    try:
        s, d = os.lstat(src), os.lstat(dst)
    except FileNotFoundError:
        return False
    if os.path.islink(src) or os.path.islink(dst):
        return os.path.islink(src) and os.path.islink(dst) and os.readlink(src) == os.readlink(dst)
    return s.st_size == d.st_size and int(s.st_mtime) == int(d.st_mtime) and s.st_mode == d.st_mode


def sync(dest, patterns, quiet):
    wanted_files, wanted_dirs = set(), {''}
    for dirpath, dirnames, filenames in os.walk(ROOT):
        rel_dir = os.path.relpath(dirpath, ROOT)
        rel_dir = '' if rel_dir == '.' else rel_dir
        keep = []
        for d in sorted(dirnames):
            rel = os.path.join(rel_dir, d)
            if ignored(rel, patterns):
                continue
            if os.path.islink(os.path.join(dirpath, d)):
                filenames.append(d)  # copied as a symlink, not followed
                continue
            keep.append(d)
            wanted_dirs.add(rel)
        dirnames[:] = keep
        for f in filenames:
            rel = os.path.join(rel_dir, f)
            if ignored(rel, patterns):
                continue
            wanted_files.add(rel)

    copied = 0
    for rel in sorted(wanted_dirs):
        os.makedirs(os.path.join(dest, rel), exist_ok=True)
    for rel in sorted(wanted_files):
        src, dst = os.path.join(ROOT, rel), os.path.join(dest, rel)
        if same(src, dst):
            continue
        if os.path.isdir(dst) and not os.path.islink(dst):
            shutil.rmtree(dst)
        # written aside then renamed over the old file: a concurrent reader sees the old or the new file, never half
        tmp = '%s.tmp-%d' % (dst, os.getpid())
        if os.path.islink(src):
            os.symlink(os.readlink(src), tmp)
        else:
            shutil.copy2(src, tmp)
        os.replace(tmp, dst)
        copied += 1

    removed = 0
    for dirpath, dirnames, filenames in os.walk(dest, topdown=True):
        rel_dir = os.path.relpath(dirpath, dest)
        rel_dir = '' if rel_dir == '.' else rel_dir
        keep = []
        for d in dirnames:
            rel = os.path.join(rel_dir, d)
            if rel in KEPT_IN_TREE:
                continue
            if rel not in wanted_dirs and rel not in wanted_files:
                full = os.path.join(dirpath, d)
                if os.path.islink(full):
                    os.unlink(full)
                else:
                    shutil.rmtree(full)
                removed += 1
                continue
            keep.append(d)
        dirnames[:] = keep
        for f in filenames:
            rel = os.path.join(rel_dir, f)
            if rel not in wanted_files:
                os.unlink(os.path.join(dirpath, f))
                removed += 1
    if not quiet and (copied or removed):
        print(f'collection-tree: {copied} copied, {removed} removed', file=sys.stderr)


def ensure_git(dest):
    """Give the tree its own (empty) git repository.

    ansible-test looks for .git upwards from the collection root and lists files with `git ls-files --others
    --exclude-standard`; without a repository of its own the tree would be found inside the project's repository,
    where build/ is ignored, and every sanity test would see no file at all.
    """
    git_dir = os.path.join(dest, '.git')
    if not os.path.isdir(git_dir):
        subprocess.run(['git', 'init', '--quiet', dest], check=True, stdout=subprocess.DEVNULL)
    exclude = os.path.join(git_dir, 'info', 'exclude')
    content = '# written by tools/collection-tree.py\n/tests/output/\n'
    try:
        with open(exclude, encoding='utf-8') as fh:
            if fh.read() == content:
                return
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(exclude), exist_ok=True)
    with open(exclude, 'w', encoding='utf-8') as fh:
        fh.write(content)


def main():
    namespace, name, build_ignore = galaxy_meta()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dest', default=os.path.join(ROOT, 'build', 'collections'),
                        help='the directory that gets ansible_collections/NS/NAME (default: build/collections)')
    parser.add_argument('--quiet', action='store_true')
    args = parser.parse_args()
    dest = os.path.join(os.path.abspath(args.dest), 'ansible_collections', namespace, name)
    if os.path.realpath(dest).startswith(os.path.realpath(ROOT) + os.sep) and \
            not os.path.realpath(dest).startswith(os.path.realpath(os.path.join(ROOT, 'build')) + os.sep):
        sys.exit('collection-tree: --dest inside the repository must be under build/')
    os.makedirs(dest, exist_ok=True)
    sync(dest, IGNORED_PATHS + build_ignore, args.quiet)
    ensure_git(dest)
    print(dest)


if __name__ == '__main__':
    main()
