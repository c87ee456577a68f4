"""PyTorch peer of the bench's `lstm` workload: one meta-iteration of the coordinatewise LSTM optimizer.

Optimizee: 784-20-10 sigmoid MLP with softmax cross-entropy on one fixed random batch of 128 (N = 15,910
parameters, theta_0 ~ N(0, 0.1^2)). Optimizer: two stacked LSTM cells of 20 units shared by every coordinate,
inputs = log/sign preprocessing of the gradient (p = 10), linear read-out scaled by 0.1. One meta-iteration =
an unroll of 20 steps (optimizee gradients treated as constants, meta-loss = mean of f(theta_t) over the unroll),
backward through the unroll, one Adam step (lr 1e-3) on the LSTM's weights; theta and the LSTM state carry over.

Usage: lstm_meta_iteration.py [REPS]
Prints:  peer_result {"seconds": median s per meta-iteration, "runs": [...]}
"""
import json, math, os, statistics, sys, time
import torch

torch.set_num_threads(int(os.environ.get("PEER_THREADS", "2")))
reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
D, H, C, B = 784, 20, 10, 128
UNITS, UNROLL, P = 20, 20, 10.0
sizes = [D * H, H, H * C, C]
N = sum(sizes)
torch.manual_seed(0)
X = torch.randn(B, D)
Y = torch.randint(0, C, (B,))


def loss_of(theta):
    w1, b1, w2, b2 = torch.split(theta, sizes)
    hidden = torch.sigmoid(torch.addmm(b1, X, w1.view(D, H)))
    return F_ce(torch.addmm(b2, hidden, w2.view(H, C)))


def F_ce(logits):
    return torch.nn.functional.cross_entropy(logits, Y)


def grad_of(theta):
    t = theta.detach().requires_grad_(True)
    with torch.enable_grad():
        return torch.autograd.grad(loss_of(t), t)[0]


class Coordinatewise(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = torch.nn.LSTMCell(2, UNITS)
        self.l2 = torch.nn.LSTMCell(UNITS, UNITS)
        self.out = torch.nn.Linear(UNITS, 1)

    def forward(self, g, state):
        a = g.abs()
        big = a >= math.exp(-P)
        inp = torch.stack([torch.where(big, torch.log(a + 1e-30) / P, torch.full_like(a, -1.0)),
                           torch.where(big, torch.sign(g), g * math.exp(P))], 1)
        h1, c1 = self.l1(inp, (state[0], state[1]))
        h2, c2 = self.l2(h1, (state[2], state[3]))
        return 0.1 * self.out(h2).view(-1), (h1, c1, h2, c2)


net = Coordinatewise()
meta_opt = torch.optim.Adam(net.parameters(), lr=1e-3)
theta = torch.randn(N) * 0.1
state = tuple(torch.zeros(N, UNITS) for _ in range(4))


def meta_iteration():
    global theta, state
    meta_opt.zero_grad()
    th, st, total = theta, state, 0.0
    for _ in range(UNROLL):
        update, st = net(grad_of(th), st)
        th = th + update
        total = total + loss_of(th)
    (total / UNROLL).backward()
    meta_opt.step()
    theta, state = th.detach(), tuple(s.detach() for s in st)


for _ in range(2):
    meta_iteration()
runs = []
for _ in range(reps):
    t0 = time.perf_counter()
    meta_iteration()
    runs.append(time.perf_counter() - t0)
print("peer_result " + json.dumps({"seconds": statistics.median(runs), "runs": runs, "N": N,
                                   "torch": torch.__version__, "threads": torch.get_num_threads()}))
