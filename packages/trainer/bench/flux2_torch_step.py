# PyTorch eager baseline for bench:train-step: the FLUX.2 transformer as docs/flux2.md describes it, LoRA on the
# given block linears, MSE loss, global-norm clipping and torch.optim.AdamW, on the same weights, LoRA init and
# batch as the engine's step (read from the safetensors files the bench writes).
#
# Usage: python3 flux2_torch_step.py RUN.json  → prints one JSON line {"ms": [...], "losses": [...], "peak_rss_mib": …,
# "threads": …, "blas": …, "baseline": …}. RUN.json names the transformer and inputs files, the config and the
# optimizer settings, and optionally "bflModel": the path of Black Forest Labs' own src/flux2/model.py, whose Flux2
# then runs instead of the port below (same weights, LoRA and optimizer; einops and fused attention are stood in for
# where the installed PyTorch lacks them).
import json, math, resource, sys, time
import numpy as np
import torch
import torch.nn.functional as F

run = json.load(open(sys.argv[1]))
torch.set_num_threads(run["threads"])
c = run["config"]
D, H, HD = c["hiddenSize"], c["numHeads"], c["headDim"]
M = round(D * c["mlpRatio"])
EPS = c["eps"]


def read_safetensors(path):
    """Every tensor of a safetensors file as float32 (F32 shares the file's bytes in memory, F16 is widened)."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        head = json.loads(f.read(n))
    data = np.fromfile(path, dtype=np.uint8, offset=8 + n)
    out = {}
    for name, t in head.items():
        if name == "__metadata__":
            continue
        s, e = t["data_offsets"]
        arr = data[s:e].view({"F32": np.float32, "F16": np.float16}[t["dtype"]]).reshape(t["shape"])
        out[name] = torch.from_numpy(arr if arr.dtype == np.float32 else arr.astype(np.float32))
    return out


W = read_safetensors(run["transformer"])
inputs = read_safetensors(run["inputs"])
scale = run["alpha"] / run["rank"]
lora = {}
for path in run["targets"]:
    lora[path] = (
        torch.nn.Parameter(inputs[f"{path}.lora_A"].clone()),
        torch.nn.Parameter(inputs[f"{path}.lora_B"].clone()),
    )
params = [p for pair in lora.values() for p in pair]


def lora_update(x, pair):
    """What a LoRA pair (A, B) adds to its linear's output: the one definition both model codes below use."""
    a, b = pair
    return F.linear(F.linear(x, a), b) * scale


def lin(path, x):
    y = F.linear(x, W[f"{path}.weight"])
    return y + lora_update(x, lora[path]) if path in lora else y


def modulate(x, shift, s):
    return F.layer_norm(x, (D,), eps=EPS) * (1 + s) + shift


def rms(x, s):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * s


def swiglu(h):
    gate, up = h.chunk(2, dim=-1)
    return F.silu(gate) * up


def embed(t, path):
    half = c["timestepDim"] // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
    angles = (t * 1000)[:, None] * freqs[None]
    return lin(f"{path}.out_layer", F.silu(lin(f"{path}.in_layer", torch.cat([angles.cos(), angles.sin()], -1))))


def rope_table(ids):
    parts = []
    for axis, d in enumerate(c["ropeAxesDims"]):
        omega = c["ropeTheta"] ** (-2 * torch.arange(d // 2, dtype=torch.float32) / d)
        parts.append(ids[..., axis : axis + 1] * omega)
    angles = torch.cat(parts, -1)[:, None]  # [B, 1, T, HD/2]
    return angles.cos(), angles.sin()


def rope(x, cs):
    cos, sin = cs
    x0, x1 = x.unflatten(-1, (HD // 2, 2)).unbind(-1)
    return torch.stack([cos * x0 - sin * x1, sin * x0 + cos * x1], -1).flatten(-2)


def heads(qkv, norm, pe):
    B, T, _ = qkv.shape
    q, k, v = qkv.view(B, T, 3, H, HD).permute(2, 0, 3, 1, 4)
    return rope(rms(q, W[f"{norm}.query_norm.scale"]), pe), rope(rms(k, W[f"{norm}.key_norm.scale"]), pe), v


def attention(q, k, v):
    a = torch.softmax((q @ k.transpose(-1, -2)) / math.sqrt(HD), -1) @ v
    B, _, T, _ = a.shape
    return a.transpose(1, 2).reshape(B, T, D)


def forward(x):
    vec = embed(x["t"], "time_in")
    sv = F.silu(vec)
    img = lin("img_in", x["xt"])
    txt = lin("txt_in", x["txt"])
    T = txt.shape[1]
    pe_img, pe_txt = rope_table(x["img_ids"]), rope_table(x["txt_ids"])
    if c["numDoubleBlocks"]:
        mi = lin("double_stream_modulation_img.lin", sv)[:, None].chunk(6, -1)
        mt = lin("double_stream_modulation_txt.lin", sv)[:, None].chunk(6, -1)
    for b in range(c["numDoubleBlocks"]):
        p = f"double_blocks.{b}"
        qi, ki, vi = heads(lin(f"{p}.img_attn.qkv", modulate(img, mi[0], mi[1])), f"{p}.img_attn.norm", pe_img)
        qt, kt, vt = heads(lin(f"{p}.txt_attn.qkv", modulate(txt, mt[0], mt[1])), f"{p}.txt_attn.norm", pe_txt)
        a = attention(torch.cat([qt, qi], 2), torch.cat([kt, ki], 2), torch.cat([vt, vi], 2))
        at, ai = a[:, :T], a[:, T:]
        img = img + mi[2] * lin(f"{p}.img_attn.proj", ai)
        img = img + mi[5] * lin(f"{p}.img_mlp.2", swiglu(lin(f"{p}.img_mlp.0", modulate(img, mi[3], mi[4]))))
        txt = txt + mt[2] * lin(f"{p}.txt_attn.proj", at)
        txt = txt + mt[5] * lin(f"{p}.txt_mlp.2", swiglu(lin(f"{p}.txt_mlp.0", modulate(txt, mt[3], mt[4]))))
    h = torch.cat([txt, img], 1)
    if c["numSingleBlocks"]:
        sh, sc, gate = lin("single_stream_modulation.lin", sv)[:, None].chunk(3, -1)
        pe = tuple(torch.cat([a, b], 2) for a, b in zip(pe_txt, pe_img))
    for b in range(c["numSingleBlocks"]):
        p = f"single_blocks.{b}"
        qkv, mlp = lin(f"{p}.linear1", modulate(h, sh, sc)).split([3 * D, 2 * M], -1)
        q, k, v = heads(qkv, f"{p}.norm", pe)
        h = h + gate * lin(f"{p}.linear2", torch.cat([attention(q, k, v), swiglu(mlp)], -1))
    img = h[:, T:]
    shift, s = lin("final_layer.adaLN_modulation.1", sv)[:, None].chunk(2, -1)
    return lin("final_layer.linear", modulate(img, shift, s))


def minimal_einops():
    """Just einops.rearrange, for model.py where einops is not installed (Debian has no package of it): a pattern of
    axis names, where parentheses group axes into one dimension, and sizes for the grouped axes it cannot infer."""
    import types

    def parse(side):
        groups, current = [], None
        for token in side.replace("(", " ( ").replace(")", " ) ").split():
            if token == "(":
                current = []
            elif token == ")":
                groups.append(current)
                current = None
            elif current is not None:
                current.append(token)
            else:
                groups.append([token])
        return groups

    def rearrange(x, pattern, **sizes):
        left, right = (parse(side) for side in pattern.split("->"))
        if len(left) != x.dim():
            raise ValueError(f"rearrange: {pattern} does not fit a tensor of {x.dim()} dimensions")
        known = dict(sizes)
        for group, size in zip(left, x.shape):
            unknown = [a for a in group if a not in known]
            rest = math.prod(known[a] for a in group if a in known)
            if len(unknown) > 1:
                raise ValueError(f"rearrange: give the sizes of all but one of {group}")
            if unknown:
                known[unknown[0]] = size // rest
        axes = [a for group in left for a in group]
        out = x.reshape([known[a] for a in axes]).permute([axes.index(a) for group in right for a in group])
        return out.reshape([math.prod(known[a] for a in group) for group in right])

    module = types.ModuleType("einops")
    module.rearrange = rearrange
    return module


def bfl_forward(path):
    """The transformer of Black Forest Labs' own model.py (a copy the user names; never part of this repository) with
    the same weights and LoRA, and None; or None and the reason where that file cannot build this config."""
    import dataclasses, importlib.util, inspect
    try:
        import einops  # noqa: F401
    except ImportError:
        sys.modules["einops"] = minimal_einops()
    if not hasattr(F, "scaled_dot_product_attention"):
        # PyTorch 1.13 has no fused attention: the same arithmetic, eager.
        F.scaled_dot_product_attention = lambda q, k, v: torch.softmax((q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1]), -1) @ v
    spec = importlib.util.spec_from_file_location("bfl_flux2_model", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if not all(hasattr(mod, name) for name in ("Flux2", "Flux2Params", "MLPEmbedder", "timestep_embedding")):
        raise SystemExit(f"{path} is not Black Forest Labs' flux2 model file (no Flux2, Flux2Params, MLPEmbedder and timestep_embedding): give src/flux2/model.py")
    if c["inChannels"] != c["outChannels"] or c["eps"] != 1e-6:
        return None, f"its Flux2 predicts as many channels as it reads and uses eps 1e-6 (this config: {c['inChannels']} → {c['outChannels']}, {c['eps']})"
    wanted = {
        "in_channels": c["inChannels"], "context_in_dim": c["contextDim"], "hidden_size": D, "num_heads": H, "depth": c["numDoubleBlocks"],
        "depth_single_blocks": c["numSingleBlocks"], "axes_dim": list(c["ropeAxesDims"]), "theta": c["ropeTheta"], "mlp_ratio": c["mlpRatio"],
    }
    fields = {f.name for f in dataclasses.fields(mod.Flux2Params)}
    model = mod.Flux2(mod.Flux2Params(**{k: v for k, v in wanted.items() if k in fields}))
    if c["timestepDim"] != 256:
        # BFL's Flux2 fixes its timestep embedding at 256 sinusoids; the small default model has fewer. Its embedders
        # are rebuilt at that width and the embedding function told the width, the only change to BFL's arithmetic.
        embedding = mod.timestep_embedding
        mod.timestep_embedding = lambda t, dim, *rest, **kw: embedding(t, c["timestepDim"], *rest, **kw)
        model.time_in = mod.MLPEmbedder(in_dim=c["timestepDim"], hidden_dim=D, disable_bias=True)
        model.guidance_in = mod.MLPEmbedder(in_dim=c["timestepDim"], hidden_dim=D, disable_bias=True)
    state = dict(W)
    for name, t in model.state_dict().items():
        # A model without guidance embedding: BFL's Flux2 always adds guidance_in(guidance) to the time vector; with
        # its output layer zero that adds exactly nothing.
        if name.startswith("guidance_in.") and not c["guidanceEmbed"]:
            state[name] = torch.zeros_like(t)
    model.load_state_dict(state, strict=True)
    model.requires_grad_(False)
    # The module holds its own copy now; the file's tensors would be a second copy of every weight.
    state.clear()
    W.clear()

    class LoraLinear(torch.nn.Module):
        def __init__(self, base, pair):
            super().__init__()
            self.base, self.a, self.b = base, *pair

        def forward(self, x):
            return self.base(x) + lora_update(x, (self.a, self.b))

    for target, pair in lora.items():
        parent, _, name = target.rpartition(".")
        owner = model.get_submodule(parent)
        setattr(owner, name, LoraLinear(getattr(owner, name), pair))
    names = list(inspect.signature(model.forward).parameters)
    # The bench's batch has no guidance (its cases embed none: guidance_in is zero above), but BFL's forward takes one.
    guidance = torch.zeros(inputs["t"].shape[0])

    def forward_bfl(x):
        args = {"x": x["xt"], "x_ids": x["img_ids"], "timesteps": x["t"], "ctx": x["txt"], "ctx_ids": x["txt_ids"], "guidance": guidance}
        return model(**{k: args[k] for k in names})

    return forward_bfl, None


baseline = "the project's port (bench/flux2_torch_step.py)"
if run.get("bflModel"):
    bfl, why = bfl_forward(run["bflModel"])
    if bfl:
        forward = bfl
        baseline = f"Black Forest Labs' model.py ({run['bflModel']})"
    else:
        baseline += f"; {run['bflModel']} was not used: {why}"

batch = {k: inputs[k] for k in ["xt", "t", "txt", "img_ids", "txt_ids", "target"]}
opt = torch.optim.AdamW(params, lr=run["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=run["weightDecay"])


def step():
    opt.zero_grad(set_to_none=True)
    loss = F.mse_loss(forward(batch), batch["target"])
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, run["clipNorm"])
    opt.step()
    return loss.item()


def reset_peak_rss():
    """Starts the peak count afresh (Linux: /proc/self/clear_refs), so loading BFL's Flux2, which briefly holds the
    weights twice (its own random ones and the file's), is not counted; the port's load is below its steps' peak."""
    import gc
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_mib(reset):
    if reset:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


peak_reset = reset_peak_rss()
losses, ms, cpu_ms = [], [], []
for _ in range(run["warmup"] + run["steps"]):
    t0, c0 = time.perf_counter(), time.process_time()
    losses.append(step())
    ms.append((time.perf_counter() - t0) * 1000)
    # CPU time of all the process's threads (OpenMP's waiting threads spin, which counts here too).
    cpu_ms.append((time.process_time() - c0) * 1000)


def blas():
    """Which BLAS library the process loaded (Debian's torch links the generic libblas.so.3; the alternatives system
    decides which one that is) and, for OpenBLAS, the kernel it picked for this CPU."""
    libs = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line})
    if not any("openblas" in lib for lib in libs):
        return {"libraries": libs, "kernel": None}
    import ctypes
    lib = ctypes.CDLL("libopenblas.so.0")
    lib.openblas_get_corename.restype = ctypes.c_char_p
    return {"libraries": libs, "kernel": lib.openblas_get_corename().decode()}


print(json.dumps({
    "ms": ms[run["warmup"]:], "cpu_ms": cpu_ms[run["warmup"]:], "losses": losses, "peak_rss_mib": peak_rss_mib(peak_reset),
    "threads": torch.get_num_threads(), "torch": torch.__version__, "blas": blas(), "baseline": baseline,
}))
