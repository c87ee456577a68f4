"""PyTorch peer of the bench's `cnn` workload: one loss + gradient of the CIFAR CNN of l2o's optimizee-cifar.

Network (as cifarCnn's defaults): 3 blocks of conv 5x5 (16 channels, stride 1, SAME, no bias) -> batch norm in
training mode (batch statistics, eps 1e-3, affine) -> ReLU -> max-pool 2x2 stride 2, then FC 32 (no bias) ->
batch norm -> ReLU, then FC to the classes (with bias); mean softmax cross-entropy. Input: random 32x32x3 images
in [0, 1] and random labels, one fixed batch. Timed: forward + backward to every parameter's gradient.

Usage: cnn_loss_grad.py BATCH [BATCH...] [--reps R] [--classes C]
Prints one line per batch size:  peer_result {"batch": B, "seconds": median, "runs": [...]}
"""
import json, os, statistics, sys, time
import torch
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("PEER_THREADS", "2")))
args = sys.argv[1:]
reps, classes, batches = 11, 2, []
i = 0
while i < len(args):
    if args[i] == "--reps":
        reps = int(args[i + 1]); i += 2
    elif args[i] == "--classes":
        classes = int(args[i + 1]); i += 2
    else:
        batches.append(int(args[i])); i += 1
batches = batches or [32, 128]
torch.manual_seed(0)
CH, K, FC = 16, 5, 32


def param(*shape, std=0.01):
    return (torch.randn(*shape) * std).requires_grad_(True)


convs = [param(CH, c_in, K, K) for c_in in (3, CH, CH)]
bn = [(torch.ones(CH, requires_grad=True), torch.zeros(CH, requires_grad=True)) for _ in range(3)]
w_fc = param(FC, CH * 4 * 4)
bn_fc = (torch.ones(FC, requires_grad=True), torch.zeros(FC, requires_grad=True))
w_out, b_out = param(classes, FC), torch.zeros(classes, requires_grad=True)
params = convs + [t for p in bn for t in p] + [w_fc, *bn_fc, w_out, b_out]


def loss_fn(x, y):
    h = x
    for w, (g, b) in zip(convs, bn):
        h = F.conv2d(h, w, padding=K // 2)
        h = F.batch_norm(h, None, None, g, b, training=True, eps=1e-3)
        h = F.max_pool2d(F.relu(h), 2, 2)
    h = F.linear(h.flatten(1), w_fc)
    h = F.relu(F.batch_norm(h, None, None, *bn_fc, training=True, eps=1e-3))
    return F.cross_entropy(F.linear(h, w_out, b_out), y)


def step(x, y):
    loss = loss_fn(x, y)
    grads = torch.autograd.grad(loss, params)
    return loss.item(), grads


for B in batches:
    x, y = torch.rand(B, 3, 32, 32), torch.randint(0, classes, (B,))
    for _ in range(3):
        step(x, y)
    runs = []
    for _ in range(reps):
        t0 = time.perf_counter()
        step(x, y)
        runs.append(time.perf_counter() - t0)
    print("peer_result " + json.dumps({"batch": B, "seconds": statistics.median(runs), "runs": runs,
                                       "torch": torch.__version__, "threads": torch.get_num_threads()}))
    sys.stdout.flush()
