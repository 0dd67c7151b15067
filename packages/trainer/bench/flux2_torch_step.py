# PyTorch eager baseline for bench:train-step: the FLUX.2 transformer as docs/flux2.md describes it, LoRA on the
# given block linears, MSE loss, global-norm clipping and torch.optim.AdamW, on the same weights, LoRA init and
# batch as the engine's step (read from the safetensors files the bench writes).
#
# Usage: python3 flux2_torch_step.py RUN.json  → prints one JSON line {"ms": [...], "losses": [...], "peak_rss_mib": …,
# "threads": …, "blas": …}. RUN.json names the transformer and inputs files, the config and the optimizer settings.
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


def lin(path, x):
    y = F.linear(x, W[f"{path}.weight"])
    if path in lora:
        a, b = lora[path]
        y = y + F.linear(F.linear(x, a), b) * scale
    return y


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


batch = {k: inputs[k] for k in ["xt", "t", "txt", "img_ids", "txt_ids", "target"]}
opt = torch.optim.AdamW(params, lr=run["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=run["weightDecay"])


def step():
    opt.zero_grad(set_to_none=True)
    loss = F.mse_loss(forward(batch), batch["target"])
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, run["clipNorm"])
    opt.step()
    return loss.item()


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
    "ms": ms[run["warmup"]:], "cpu_ms": cpu_ms[run["warmup"]:], "losses": losses, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "threads": torch.get_num_threads(), "torch": torch.__version__, "blas": blas(),
}))
