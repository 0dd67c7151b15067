import { z } from 'zod';
import { pathSchema } from './paths';

/** What the LoRA should learn; it picks presets, health bands and caption templates (docs/training-guide.md). */
export const loraTypes = ['subject', 'style', 'object'] as const;
export type LoraType = (typeof loraTypes)[number];

/**
 * What a subject LoRA learns. Face checks (no face, several faces) and face-based scores apply to people only; a
 * pet, a mascot or a teddy bear has no human face to find.
 */
export const subjectKinds = ['person', 'character', 'thing'] as const;
export type SubjectKind = (typeof subjectKinds)[number];
export const subjectKindLabels: Record<SubjectKind, string> = {
  person: 'A person',
  character: 'A pet or character',
  thing: 'A thing',
};

/** A trigger word is one token the base model does not know yet ("sks", "myart"). */
export const triggerWordSchema = z
  .string()
  .trim()
  .min(2, 'The trigger word needs at least 2 characters.')
  .max(40, 'Keep the trigger word under 40 characters.')
  .regex(/^[\p{L}\p{N}_-]+$/u, 'The trigger word must be one word: letters, digits, "_" or "-", no spaces.');

export const projectNameSchema = z
  .string()
  .trim()
  .min(1, 'Give the project a name.')
  .max(120, 'Keep the project name under 120 characters.');

/** A project is identified by its folder (absolute path on the machine running the studio). */
export const projectDirSchema = pathSchema('Name the project folder.');

export interface Project {
  dir: string;
  name: string;
  type: LoraType;
  trigger: string;
  /** Subject projects only: a person, a pet or character, or a thing; null for style and object projects. */
  subjectKind: SubjectKind | null;
  createdAt: string;
  updatedAt: string;
}

export interface RecentProject {
  dir: string;
  name: string;
  type: LoraType | null;
  trigger: string | null;
  openedAt: string;
  /** False when the folder has gone (moved, deleted, unplugged drive). */
  available: boolean;
}

export const projectArgs = {
  'project-create': z
    .object({
      name: projectNameSchema,
      /** Folder to create the project in; defaults to <home>/projects/<name>. */
      dir: projectDirSchema.optional(),
      type: z.enum(loraTypes),
      trigger: triggerWordSchema,
      /** For a subject project; a person when not given. */
      subjectKind: z.enum(subjectKinds).optional(),
    })
    .strict(),
  'project-list': z.object({}).strict(),
  'project-open': z.object({ dir: projectDirSchema }).strict(),
  'project-rename': z.object({ dir: projectDirSchema, name: projectNameSchema }).strict(),
  'project-update': z
    .object({ dir: projectDirSchema, type: z.enum(loraTypes).optional(), trigger: triggerWordSchema.optional(), subjectKind: z.enum(subjectKinds).optional() })
    .strict(),
  'project-delete': z
    .object({
      dir: projectDirSchema,
      /** False: only forget it in the recent list. True: also delete the project folder from disk. */
      deleteFiles: z.boolean(),
    })
    .strict(),
};

type Args<K extends keyof typeof projectArgs> = z.infer<(typeof projectArgs)[K]>;

export type ProjectHandlers = {
  'project-create': (args: Args<'project-create'>) => Promise<Project>;
  'project-list': (args: Args<'project-list'>) => Promise<RecentProject[]>;
  'project-open': (args: Args<'project-open'>) => Promise<Project>;
  'project-rename': (args: Args<'project-rename'>) => Promise<Project>;
  'project-update': (args: Args<'project-update'>) => Promise<Project>;
  'project-delete': (args: Args<'project-delete'>) => Promise<{ deleted: boolean }>;
};
