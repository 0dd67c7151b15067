import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyMigrations, type Migration } from './migrations';

const m1: Migration = { id: '100_first', sql: 'CREATE TABLE a (x INTEGER);' };
const m2: Migration = { id: '200_second', sql: 'CREATE TABLE b (y INTEGER);' };
const m3: Migration = { id: '300_third', sql: 'ALTER TABLE a ADD COLUMN z TEXT;' };

function tempDb(): Database.Database {
  return new Database(join(mkdtempSync(join(tmpdir(), 'ls-mig-')), 'db.sqlite'));
}

describe('migrations', () => {
  it('apply in order on an empty database and are recorded', () => {
    const db = tempDb();
    expect(applyMigrations(db, [m1, m2, m3])).toEqual(['100_first', '200_second', '300_third']);
    const ids = (db.prepare('SELECT id FROM migrations ORDER BY id').all() as { id: string }[]).map((r) => r.id);
    expect(ids).toEqual(['100_first', '200_second', '300_third']);
    db.prepare('INSERT INTO a (x, z) VALUES (1, ?)').run('ok');
  });

  it('re-opening is a no-op, and new migrations apply on top', () => {
    const db = tempDb();
    applyMigrations(db, [m1, m2]);
    expect(applyMigrations(db, [m1, m2])).toEqual([]);
    expect(applyMigrations(db, [m1, m2, m3])).toEqual(['300_third']);
  });

  it('a gap in the applied history is a hard error', () => {
    const db = tempDb();
    applyMigrations(db, [m1, m3]);
    expect(() => applyMigrations(db, [m1, m2, m3])).toThrow(/200_second were never applied/);
  });

  it('an applied migration this version does not know is a hard error', () => {
    const db = tempDb();
    applyMigrations(db, [m1, m2]);
    expect(() => applyMigrations(db, [m1])).toThrow(/does not know \(200_second\)/);
  });

  it('a failing migration leaves nothing half-applied', () => {
    const db = tempDb();
    const broken: Migration = { id: '400_broken', sql: 'CREATE TABLE c (q INTEGER); CREATE TABLE c (q INTEGER);' };
    expect(() => applyMigrations(db, [m1, broken])).toThrow();
    const ids = (db.prepare('SELECT id FROM migrations').all() as { id: string }[]).map((r) => r.id);
    expect(ids).toEqual(['100_first']);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'c'").get()).toBeUndefined();
  });
});
