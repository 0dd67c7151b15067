# PyTorch eager baseline for engine.bench.ts (run only when `import torch` works): the same pre-LN transformer,
# LoRA on q, k, v, o, fc1, fc2, MSE loss, AdamW on the LoRA tensors with global-norm clipping, same threads.
# Usage: python3 torch_baseline.py B N D H L R THREADS STEPS  → prints {"median_ms": …, "min_ms": …}
import json, math, statistics, sys, time
import torch
import torch.nn.functional as F

B, N, D, H, L, R, THREADS, STEPS = map(int, sys.argv[1:9])
torch.set_num_threads(THREADS)
torch.manual_seed(0)


class LoraLinear(torch.nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(d_out, d_in) / math.sqrt(d_in), requires_grad=False)
        self.bias = torch.nn.Parameter(torch.zeros(d_out), requires_grad=False)
        self.lora_A = torch.nn.Parameter(torch.randn(R, d_in) / math.sqrt(d_in))
        self.lora_B = torch.nn.Parameter(torch.zeros(d_out, R))

    def forward(self, x):
        return F.linear(x, self.weight, self.bias) + F.linear(F.linear(x, self.lora_A), self.lora_B)


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = torch.nn.LayerNorm(D)
        self.norm2 = torch.nn.LayerNorm(D)
        for p in [*self.norm1.parameters(), *self.norm2.parameters()]:
            p.requires_grad_(False)
        self.q, self.k, self.v, self.o = (LoraLinear(D, D) for _ in range(4))
        self.fc1, self.fc2 = LoraLinear(D, 4 * D), LoraLinear(4 * D, D)

    def forward(self, x):
        h = self.norm1(x)
        heads = lambda t: t.view(B, N, H, D // H).transpose(1, 2)
        q, k, v = heads(self.q(h)), heads(self.k(h)), heads(self.v(h))
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D // H), dim=-1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(B, N, D))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x)), approximate='tanh'))


model = torch.nn.Sequential(*[Block() for _ in range(L)])
params = [p for p in model.parameters() if p.requires_grad]
opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01)
x = torch.randn(B, N, D)
target = torch.randn(B, N, D)


def step():
    opt.zero_grad(set_to_none=True)
    loss = F.mse_loss(model(x), target)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    return loss.item()


for _ in range(5):
    step()
times = []
for _ in range(STEPS):
    t = time.perf_counter()
    step()
    times.append((time.perf_counter() - t) * 1000)
print(json.dumps({"median_ms": statistics.median(times), "min_ms": min(times)}))
