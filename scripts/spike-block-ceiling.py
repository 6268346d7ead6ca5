#!/usr/bin/env python3
"""One-off spike (session 4, issue #2): how much label information survives the erased-block
damage, and how far a convolutional restorer gets, judged by an MLP classifier like ours.

Not part of the build or the tests; needs PyTorch (`pip install torch numpy`). Reads only the
bundled asset (7,000 training digits, 600 test digits). Damage as in src/damage.rs (Block: a
square of side 8–14 px centred within ±4 px of the ink's centre of mass; erased pixels = 0).

  python3 scripts/spike-block-ceiling.py [--epochs N] [--seed S]

Prints, on the 600 block-damaged test digits:
  judge   an MLP 784-256-128-10 trained on clean (shifted) digits: clean and damaged accuracy
  direct  a small CNN trained on block-damaged digits (+ mask channel): a stronger estimate of
          what a classifier can still read from the damaged digit
  unet    a small U-Net restorer trained with L1 on block damage; the judge's accuracy on its
          output and the PSNR in the hole
  mlp     the same for an MLP restorer the shape of the crate's (1568-512-256-512-784, residual)
"""
import argparse, gzip, math, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument('--epochs', type=int, default=30)
p.add_argument('--seed', type=int, default=0)
p.add_argument('--asset', default='assets/mnist-subset.bin.gz')
p.add_argument('--parts', default='direct,unet,mlp', help='which of direct, unet, mlp to run')
p.add_argument('--loss', default='l1', choices=['l1', 'bce'], help="the restorers' reconstruction loss")
args = p.parse_args()
torch.manual_seed(args.seed)
torch.set_num_threads(2)
rng = np.random.default_rng(args.seed)

raw = gzip.decompress(open(args.asset, 'rb').read())
n_train, n_test = int.from_bytes(raw[6:8], 'little'), int.from_bytes(raw[8:10], 'little')
n = n_train + n_test
labels = np.frombuffer(raw[16:16 + n], np.uint8).astype(np.int64)
pixels = np.frombuffer(raw[16 + n:], np.uint8).reshape(n, 28, 28).astype(np.float32) / 255
xtr, ytr, xte, yte = pixels[:n_train], labels[:n_train], pixels[n_train:], labels[n_train:]
print(f'{n_train} training digits, {n_test} test digits')

yy, xx = np.mgrid[0:28, 0:28].astype(np.float32)


def block_masks(imgs, rng):
    s = imgs.sum(axis=(1, 2)) + 1e-6
    cx = (imgs * xx).sum(axis=(1, 2)) / s
    cy = (imgs * yy).sum(axis=(1, 2)) / s
    k = len(imgs)
    side = rng.integers(8, 15, k).astype(np.float32)
    x0 = cx + rng.uniform(-4, 4, k) - side / 2
    y0 = cy + rng.uniform(-4, 4, k) - side / 2
    px, py = xx[None] + 0.5, yy[None] + 0.5
    m = ((px >= x0[:, None, None]) & (px < (x0 + side)[:, None, None])
         & (py >= y0[:, None, None]) & (py < (y0 + side)[:, None, None]))
    return m.astype(np.float32)


def shift(imgs, rng, r=2):
    out = np.zeros_like(imgs)
    for i, im in enumerate(imgs):
        dx, dy = rng.integers(-r, r + 1, 2)
        out[i] = np.roll(np.roll(im, dy, 0), dx, 1)
    return out


te_mask = block_masks(xte, np.random.default_rng(1234))
te_bad = xte * (1 - te_mask)
T = lambda a: torch.from_numpy(np.ascontiguousarray(a))


def batches(k, bs=64):
    idx = rng.permutation(k)
    for i in range(0, k - bs + 1, bs):
        yield idx[i:i + bs]


def train(model, make_batch, loss_fn, epochs, lr=1e-3):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    for _ in range(epochs):
        model.train()
        for idx in batches(n_train):
            opt.zero_grad()
            loss_fn(model, *make_batch(idx)).backward()
            opt.step()
        sched.step()
    model.eval()
    return model


def acc(model, x):
    with torch.no_grad():
        return (model(x).argmax(1).numpy() == yte).mean() * 100


# The judge: an MLP like the crate's reference classifier, trained on clean shifted digits.
judge = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 128),
                      nn.LeakyReLU(0.2), nn.Linear(128, 10))
t0 = time.time()
train(judge, lambda idx: (T(shift(xtr[idx], rng)), T(ytr[idx])),
      lambda m, x, y: F.cross_entropy(m(x), y), args.epochs)
print(f'judge (MLP): clean {acc(judge, T(xte)):.1f}%, block-damaged as is '
      f'{acc(judge, T(te_bad)):.1f}%  ({time.time() - t0:.0f} s)')


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(2, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Dropout(0.3), nn.Linear(64 * 49, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        return self.f(x)


def damaged_batch(idx):
    x = shift(xtr[idx], rng, 1)
    m = block_masks(x, rng)
    return x * (1 - m), m, x


parts = args.parts.split(',')
t0 = time.time()
if 'direct' in parts:
  direct = train(Cnn(), lambda idx: (lambda b, m, x: (T(np.stack([b, m], 1)), T(ytr[idx])))(*damaged_batch(idx)),
               lambda mdl, x, y: F.cross_entropy(mdl(x), y), args.epochs)
  print(f'direct (CNN on damaged digits + mask): {acc(direct, T(np.stack([te_bad, te_mask], 1))):.1f}%  '
        f'({time.time() - t0:.0f} s)')


class UNet(nn.Module):
    def __init__(self, c=32):
        super().__init__()
        act = nn.LeakyReLU(0.2)
        self.e1 = nn.Sequential(nn.Conv2d(2, c, 3, padding=1), act, nn.Conv2d(c, c, 3, padding=1), act)
        self.e2 = nn.Sequential(nn.Conv2d(c, 2 * c, 3, stride=2, padding=1), act,
                                nn.Conv2d(2 * c, 2 * c, 3, padding=1), act)
        self.e3 = nn.Sequential(nn.Conv2d(2 * c, 2 * c, 3, stride=2, padding=1), act,
                                nn.Conv2d(2 * c, 2 * c, 3, padding=2, dilation=2), act,
                                nn.Conv2d(2 * c, 2 * c, 3, padding=2, dilation=2), act)
        self.d2 = nn.Sequential(nn.Conv2d(4 * c, 2 * c, 3, padding=1), act)
        self.d1 = nn.Sequential(nn.Conv2d(3 * c, c, 3, padding=1), act, nn.Conv2d(c, 1, 3, padding=1))

    def forward(self, bad, mask):
        x = torch.stack([bad, mask], 1)
        a = self.e1(x)
        b = self.e2(a)
        c = self.e3(b)
        d = self.d2(torch.cat([F.interpolate(c, size=b.shape[-2:]), b], 1))
        out = torch.sigmoid(self.d1(torch.cat([F.interpolate(d, size=a.shape[-2:]), a], 1)))[:, 0]
        return bad * (1 - mask) + out * mask


def l1(mdl, bad, m, x):
    if args.loss == 'bce':  # pixel-wise cross-entropy: the hole's expected ink, not its median
        return F.binary_cross_entropy(mdl(bad, m).clamp(1e-6, 1 - 1e-6), x)
    return (mdl(bad, m) - x).abs().mean() * 10


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        act = nn.LeakyReLU(0.2)
        self.f = nn.Sequential(nn.Linear(1568, 512), act, nn.Linear(512, 256), act,
                               nn.Linear(256, 512), act, nn.Linear(512, 784))

    def forward(self, bad, mask):
        b, m = bad.reshape(-1, 784), mask.reshape(-1, 784)
        out = torch.sigmoid(self.f(torch.cat([b, m], 1)) + (b * 2 - 1) * 3).reshape(-1, 28, 28)
        return bad * (1 - mask) + out * mask


for name in ['unet', 'mlp']:
    if name not in parts:
        continue
    t0 = time.time()
    net = train(UNet() if name == 'unet' else Mlp(), lambda idx: tuple(T(a) for a in damaged_batch(idx)),
                l1, args.epochs)
    with torch.no_grad():
        rest = net(T(te_bad), T(te_mask))
    mse = (((rest.numpy() - xte) * te_mask) ** 2).sum() / te_mask.sum()
    print(f'{name} restorer ({args.loss}): judge on restored {acc(judge, rest):.1f}%, PSNR in the hole '
          f'{10 * math.log10(1 / mse):.2f} dB  ({time.time() - t0:.0f} s)')
