// Reverse-mode differentiation over a built graph. Rules live in grad-rules.ts (one entry per op);
// this file walks the graph backwards, sums gradients of reused tensors, reduces broadcast gradients
// to their input's shape (once, here), and recomputes checkpointed segments.

import { isFloatDType } from './dtype';
import type { Graph, Node, Tensor } from './graph';
import { GRAD_RULES } from './grad-rules';
import { expand, reduceSum, reshapeTo, squeeze, sum } from './ops';
import { sameShape } from './shape';

/** What a gradient rule sees of its node. Tensors are the recomputed copies inside checkpoint segments. */
export interface GradContext {
  readonly node: Node;
  /** Input i of the forward node. */
  x(i: number): Tensor;
  /** Output i of the forward node. */
  y(i?: number): Tensor;
  /** Gradient of the loss w.r.t. output i, or null when nothing downstream needs it. */
  dy(i?: number): Tensor | null;
  /** Whether input i needs a gradient (rules may skip costly or unsupported branches when it does not). */
  needs(i: number): boolean;
  /**
   * The gradient input i has already collected from its later consumers, handed to this rule to add inside its own
   * product (a Gemm's C operand) instead of a separate Sum pass; the rule's gradient for input i is then the total.
   * Null when nothing was collected yet (or input i needs no gradient).
   */
  takeCollected(i: number): Tensor | null;
}

/** Returns one gradient per input (null where not differentiable), shaped like the output or broadcastable to the input. */
export type GradRule = (ctx: GradContext) => readonly (Tensor | null)[];

export class MissingGradientError extends Error {
  override name = 'MissingGradientError';
}

export interface GradientOptions {
  /** Gradient fed into the loss (default 1); a loss-scale tensor for fp16 training. */
  seed?: Tensor;
  /** Recompute checkpoint segments (built with graph.checkpoint) in the backward pass. Default true. */
  recompute?: boolean;
}

/** d loss / d wrt[i] for each i, as new nodes of the same graph. Unreached tensors get a zero gradient. */
export function gradients(loss: Tensor, wrt: readonly Tensor[], opts: GradientOptions = {}): Tensor[] {
  const g = loss.graph;
  const active = tensorsDependingOn(g, wrt);
  const nodes = nodesFeeding(loss).filter((n) => n.inputs.some((t) => t && active.has(t)));
  const contributions = new Map<Tensor, Tensor[]>();
  const add = (t: Tensor, d: Tensor) => {
    const list = contributions.get(t);
    if (list) list.push(d);
    else contributions.set(t, [d]);
  };
  const total = (t: Tensor): Tensor | null => {
    const list = contributions.get(t);
    if (!list) return null;
    const s = sum(list);
    contributions.set(t, [s]);
    return s;
  };
  add(loss, opts.seed ?? expand(g.constant(loss.dtype, [], [1]), loss.shape, loss));

  const recompute = new Recomputer(g, opts.recompute ?? true);
  for (let k = nodes.length - 1; k >= 0; k--) {
    const node = nodes[k];
    const dys = node.outputs.map(total);
    if (dys.every((d) => d === null)) continue;
    const rule = GRAD_RULES[node.opType];
    if (rule === undefined) {
      throw new MissingGradientError(
        `No gradient rule for op '${node.opType}' (node '${node.name}'). Add an entry to GRAD_RULES in grad-rules.ts, ` +
          'or keep this node off the path between the trainable tensors and the loss.',
      );
    }
    if (rule === null) continue;
    const needs = (i: number) => {
      const t = node.inputs[i];
      return !!t && active.has(t) && isFloatDType(t.dtype);
    };
    const ctx: GradContext = {
      node,
      x: (i) => recompute.get(node.inputs[i]!, node),
      y: (i = 0) => recompute.get(node.outputs[i], node),
      dy: (i = 0) => dys[i],
      needs,
      takeCollected: (i) => {
        const t = node.inputs[i];
        if (!t || !needs(i)) return null;
        const collected = total(t);
        contributions.delete(t);
        return collected;
      },
    };
    const grads = g.scope(`grad.${node.name}`, () => rule(ctx));
    node.inputs.forEach((t, i) => {
      const d = grads[i];
      if (!t || !d || !needs(i)) return;
      add(t, g.scope(`grad.${node.name}`, () => reduceToShape(d, t)));
    });
  }
  return wrt.map((w) => total(w) ?? expand(g.constant(w.dtype, [], [0]), w.shape, w));
}

/** Sums a broadcast gradient back to `like`'s shape: over leading axes and axes where `like` has 1. */
export function reduceToShape(d: Tensor, like: Tensor): Tensor {
  if (sameShape(d.shape, like.shape)) return d;
  const lead = d.rank - like.rank;
  if (lead < 0) return expand(d, like.shape, like);
  const axes: number[] = [];
  for (let i = 0; i < d.rank; i++) {
    if (i < lead || (like.shape[i - lead] === 1 && d.shape[i] !== 1)) axes.push(i);
  }
  let r = axes.length ? reduceSum(d, axes, { keepdims: true }) : d;
  if (lead > 0) r = squeeze(r, Array.from({ length: lead }, (_, i) => i));
  return sameShape(r.shape, like.shape) ? r : reshapeTo(r, like.shape, like);
}

function tensorsDependingOn(g: Graph, wrt: readonly Tensor[]): Set<Tensor> {
  const active = new Set<Tensor>(wrt);
  for (const n of g.nodes) {
    if (n.inputs.some((t) => t && active.has(t))) for (const o of n.outputs) active.add(o);
  }
  return active;
}

function nodesFeeding(t: Tensor): Node[] {
  const seen = new Set<Node>();
  const stack = t.producer ? [t.producer] : [];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const i of n.inputs) if (i?.producer) stack.push(i.producer);
  }
  return t.graph.nodes.filter((n) => seen.has(n));
}

/**
 * Gives gradient rules recomputed copies of tensors that are internal to a checkpoint segment.
 * A segment's boundary tensors (used outside it) are kept; everything inside is rebuilt from them.
 */
class Recomputer {
  private readonly copies = new Map<Tensor, Tensor>();
  private readonly boundary = new Set<Tensor>();

  constructor(private readonly g: Graph, private readonly enabled: boolean) {
    if (!enabled) return;
    for (const n of g.nodes) {
      for (const t of n.inputs) if (t?.producer?.checkpoint && t.producer.checkpoint !== n.checkpoint) this.boundary.add(t);
    }
    for (const t of g.outputs) this.boundary.add(t);
  }

  get(t: Tensor, user: Node): Tensor {
    const p = t.producer;
    if (!this.enabled || !p?.checkpoint || p.checkpoint !== user.checkpoint || this.boundary.has(t)) return t;
    const known = this.copies.get(t);
    if (known) return known;
    const inputs = p.inputs.map((i) => (i ? this.get(i, p) : null));
    const outs = this.g.addNode(p.opType, inputs, p.attrs, p.outputs.map((o) => ({ dtype: o.dtype, shape: o.shape })), {
      domain: p.domain,
      name: `recompute.${p.name}`,
    });
    p.outputs.forEach((o, i) => this.copies.set(o, outs[i]));
    return this.copies.get(t)!;
  }
}
