"""Corpus, part 7: object-oriented programs, as layer libraries and tutorials publish them.

Layer classes with `forward` methods, Sequential-style containers holding layers in a list,
activations and losses looked up by name in registries, modules called with their
parameters (`model(params, x)`, as in Flax and Haiku), a loss taking its activation or its
loss function as an argument, optimiser and scheduler objects read during the loss, kernels
and distributions as objects (GP, Bayesian regression, mixtures, VAE, GAN). Nothing is
copied; each is written here in those styles.
"""

import functools

import numpy as np


# ----- activations and losses, by name ---------------------------------------------------
def relu(z):
    return np.maximum(z, 0.0)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softplus(z):
    return np.log1p(np.exp(z))


def gelu(z):
    return 0.5 * z * (1.0 + np.tanh(0.7978845608 * (z + 0.044715 * z ** 3)))


ACTIVATIONS = {"relu": relu, "sigmoid": sigmoid, "tanh": np.tanh, "softplus": softplus}
REGISTRY = {}


def register(name):
    def decorate(fn):
        REGISTRY[name] = fn
        return fn
    return decorate


@register("gelu")
def gelu_registered(z):
    return gelu(z)


@register("swish")
def swish(z):
    return z * sigmoid(z)


def get_activation(name):
    return ACTIVATIONS[name]


def mse(pred, target):
    return np.mean((pred - target) ** 2)


def huber(pred, target, delta=1.0):
    r = np.abs(pred - target)
    return np.mean(np.where(r < delta, 0.5 * r ** 2, delta * (r - 0.5 * delta)))


def log_softmax(z):
    z = z - np.max(z, axis=1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))


# ----- layers with forward methods, in a list -------------------------------------------
class Layer:
    def forward(self, x):
        raise NotImplementedError


class Linear(Layer):
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        return x @ self.W + self.b


class Activation(Layer):
    def __init__(self, name):
        self.name = name

    def forward(self, x):
        return ACTIVATIONS[self.name](x)


class Sequential:
    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def __call__(self, x):
        return self.forward(x)


def sequential_mse_wrt_input(x, y):
    return mse(SEQ_MODEL(x), y)


def _seeded(seed, *shape, scale=0.5):
    return np.random.default_rng(seed).standard_normal(shape) * scale


SEQ_MODEL = Sequential([Linear(_seeded(1, 3, 4), _seeded(2, 4)), Activation("tanh"),
                        Linear(_seeded(3, 4, 2), _seeded(4, 2)), Activation("sigmoid")])


def sequential_built_from_params(W1, b1, W2, b2, x, y):
    model = Sequential([Linear(W1, b1), Activation("relu"), Linear(W2, b2)])
    return mse(model.forward(x), y)


def layers_made_in_a_comprehension(params, x, y):
    layers = [Linear(W, b) for W, b in params]
    h = x
    for layer in layers[:-1]:
        h = np.tanh(layer.forward(h))
    return mse(layers[-1].forward(h), y)


# ----- modules called with their parameters (Flax / Haiku style) --------------------------
class Dense:
    def __init__(self, name, activation=None):
        self.name = name
        self.activation = activation

    def __call__(self, params, x):
        p = params[self.name]
        z = x @ p["W"] + p["b"]
        return z if self.activation is None else ACTIVATIONS[self.activation](z)


class MLP:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, params, x):
        for layer in self.layers:
            x = layer(params, x)
        return x


FLAX_MODEL = MLP([Dense("dense_0", "relu"), Dense("dense_1", "tanh"), Dense("head")])


def flax_style_loss(params, x, y):
    return mse(FLAX_MODEL(params, x), y)


def model_passed_as_an_argument(params, model, x, y):
    return mse(model(params, x), y)


class ResidualBlock:
    def __init__(self, name):
        self.name = name

    def __call__(self, params, x):
        p = params[self.name]
        h = relu(x @ p["W1"])
        return x + h @ p["W2"]


class ResNet:
    def __init__(self, blocks):
        self.blocks = blocks

    def __call__(self, params, x):
        for block in self.blocks:
            x = block(params, x)
        return np.sum(x ** 2, axis=1)


RESNET = ResNet([ResidualBlock("block_0"), ResidualBlock("block_1")])


def residual_network_loss(params, x, y):
    return mse(RESNET(params, x), y)


class Encoder:
    def __init__(self, layers):
        self.layers = layers        # a dict of layers by name

    def __call__(self, params, x):
        for _name, layer in self.layers.items():
            x = layer(params, x)
        return x


ENCODER = Encoder({"in": Dense("enc_in", "softplus"), "out": Dense("enc_out")})


def encoder_dict_of_layers(params, x):
    return np.sum(ENCODER(params, x) ** 2)


# ----- the activation or the loss as an argument, or by name -------------------------------
def mlp_with_activation_argument(params, x, y, activation):
    (W1, b1), (W2, b2) = params
    h = activation(x @ W1 + b1)
    return mse(h @ W2 + b2, y)


def mlp_with_activation_name(params, x, y, activation="tanh"):
    (W1, b1), (W2, b2) = params
    act = get_activation(activation)
    h = act(x @ W1 + b1)
    return mse(h @ W2 + b2, y)


def mlp_with_registered_activation(W, x, name):
    return np.sum(REGISTRY[name](x @ W) ** 2)


def mlp_with_numpy_activation(W, x, name):
    return np.sum(getattr(np, name)(x @ W))


def regression_with_loss_argument(w, X, y, loss_fn=mse):
    return loss_fn(X @ w, y)


def activation_table_literal(W, x, kind):
    act = {"relu": relu, "gelu": gelu, "cube": lambda z: z ** 3 / 3.0}[kind]
    return np.sum(act(x @ W))


class SmoothL1Loss:
    def __init__(self, beta):
        self.beta = beta

    def __call__(self, pred, target):
        return huber(pred, target, delta=self.beta) / self.beta


LOSSES = {"mse": mse, "smooth_l1": SmoothL1Loss(0.5), "huber": functools.partial(huber,
                                                                                  delta=0.3)}


def loss_by_config(w, X, y, config):
    pred = ACTIVATIONS[config["activation"]](X @ w)
    return LOSSES[config["loss"]](pred, y) + config["l2"] * np.sum(w ** 2)


# ----- layers that keep what their backward needs on self (cs231n style) --------------------
class AffineLayer:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b


class ReLULayer:
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask


class SoftmaxCrossEntropy:
    def forward(self, scores, y):
        shifted = scores - np.max(scores, axis=1, keepdims=True)
        self.log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        return -np.mean(self.log_probs[np.arange(len(y)), y])


CS231N_NET = [AffineLayer(_seeded(5, 4, 5), _seeded(6, 5)), ReLULayer(),
              AffineLayer(_seeded(7, 5, 3), _seeded(8, 3))]
CS231N_LOSS = SoftmaxCrossEntropy()


def two_layer_net_caching_layers(x, y):
    for layer in CS231N_NET:
        x = layer.forward(x)
    return CS231N_LOSS.forward(x, y)


# ----- optimisers and schedules read during the loss -----------------------------------------
class SGD:
    def __init__(self, lr, momentum, weight_decay):
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocity = None


class Adam:
    def __init__(self, lr, b1=0.9, b2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps = lr, b1, b2, eps
        self.m = None
        self.v = None
        self.t = 0


def regularised_by_optimizer(w, X, y, opt):
    return mse(X @ w, y) + 0.5 * opt.weight_decay * np.sum(w ** 2)


def nesterov_lookahead_loss(w, X, y, opt):
    lookahead = w + opt.momentum * opt.velocity
    return mse(X @ lookahead, y)


def adam_preconditioned_step_loss(w, X, y, opt):
    m_hat = opt.m / (1 - opt.b1 ** opt.t)
    v_hat = opt.v / (1 - opt.b2 ** opt.t)
    w_next = w - opt.lr * m_hat / (np.sqrt(v_hat) + opt.eps)
    return mse(X @ w_next, y)


class CosineSchedule:
    def __init__(self, base, total):
        self.base = base
        self.total = total

    def __call__(self, step):
        return 0.5 * self.base * (1 + np.cos(np.pi * step / self.total))


def weight_decay_on_schedule(w, X, y, schedule, step):
    return mse(X @ w, y) + schedule(step) * np.sum(w ** 2)


class L1:
    def __init__(self, scale):
        self.scale = scale

    def __call__(self, w):
        return self.scale * np.sum(np.sqrt(w ** 2 + 1e-6))


class L2:
    def __init__(self, scale):
        self.scale = scale

    def __call__(self, w):
        return self.scale * np.sum(w ** 2)


REGULARISERS = [L1(0.01), L2(0.1)]


def loss_with_regulariser_objects(w, X, y):
    total = mse(X @ w, y)
    for reg in REGULARISERS:
        total = total + reg(w)
    return total


# ----- sequence and attention modules --------------------------------------------------------
class RNNCell:
    def __init__(self, activation="tanh"):
        self.activation = activation

    def step(self, params, h, x):
        return ACTIVATIONS[self.activation](h @ params["Wh"] + x @ params["Wx"] + params["b"])


CELL = RNNCell()


def rnn_cell_object_over_time(params, xs):
    h = np.zeros(params["Wh"].shape[0])
    for t in range(xs.shape[0]):
        h = CELL.step(params, h, xs[t])
    return np.sum(h ** 2)


class SelfAttention:
    def __init__(self, heads):
        self.heads = heads

    def softmax(self, s):
        e = np.exp(s - np.max(s, axis=-1, keepdims=True))
        return e / np.sum(e, axis=-1, keepdims=True)

    def __call__(self, Wq, Wk, Wv, x):
        n, d = x.shape
        dh = d // self.heads
        out = []
        for h in range(self.heads):
            sl = slice(h * dh, (h + 1) * dh)
            q, k, v = x @ Wq[:, sl], x @ Wk[:, sl], x @ Wv[:, sl]
            out.append(self.softmax(q @ k.T / np.sqrt(dh)) @ v)
        return np.concatenate(out, axis=1)


ATTENTION = SelfAttention(heads=2)


def attention_module_loss(Wq, Wk, Wv, x):
    return np.sum(ATTENTION(Wq, Wk, Wv, x) ** 2)


class LayerNorm:
    def __init__(self, eps=1e-5):
        self.eps = eps

    def __call__(self, x, gamma, beta):
        mu = np.mean(x, axis=-1, keepdims=True)
        var = np.var(x, axis=-1, keepdims=True)
        return gamma * (x - mu) / np.sqrt(var + self.eps) + beta


class BatchNormEval:
    def __init__(self, running_mean, running_var, eps=1e-5):
        self.running_mean = running_mean
        self.running_var = running_var
        self.eps = eps

    def forward(self, x, gamma, beta):
        return gamma * (x - self.running_mean) / np.sqrt(self.running_var + self.eps) + beta


NORMS = {"layer": LayerNorm(), "batch": BatchNormEval(np.full(4, 0.1), np.full(4, 1.5))}


def normalised_block(gamma, beta, x, kind):
    norm = NORMS[kind]
    h = norm(x, gamma, beta) if kind == "layer" else norm.forward(x, gamma, beta)
    return np.sum(np.tanh(h) ** 2)


class Dropout:
    def __init__(self, mask, rate):
        self.mask = mask            # drawn once, outside the loss
        self.rate = rate

    def forward(self, x):
        return x * self.mask / (1.0 - self.rate)


DROPOUT = Dropout((np.random.default_rng(9).random((5, 4)) > 0.3).astype(float), 0.3)


def dropout_layer_object(W, x):
    return np.sum(softplus(DROPOUT.forward(x @ W)))


# ----- kernels, distributions, generative models ---------------------------------------------
class RBF:
    def __init__(self, lengthscale):
        self.lengthscale = lengthscale

    def __call__(self, X, Z, variance):
        d2 = np.sum((X[:, None, :] - Z[None, :, :]) ** 2, axis=-1)
        return variance * np.exp(-0.5 * d2 / self.lengthscale ** 2)


class Linear1D:
    def __call__(self, X, Z, variance):
        return variance * X @ Z.T


class SumKernel:
    def __init__(self, kernels):
        self.kernels = kernels

    def __call__(self, X, Z, variances):
        K = 0.0
        for kernel, v in zip(self.kernels, variances):
            K = K + kernel(X, Z, v)
        return K


GP_KERNEL = SumKernel([RBF(0.8), Linear1D()])


def gp_negative_log_marginal_likelihood(variances, X, y, noise):
    K = GP_KERNEL(X, X, variances) + noise * np.eye(X.shape[0])
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(K, y)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * len(y) * np.log(2 * np.pi)


class Gaussian:
    def __init__(self, mean, std):
        self.mean = mean
        self.std = std

    def log_prob(self, x):
        z = (x - self.mean) / self.std
        return -0.5 * z ** 2 - np.log(self.std) - 0.5 * np.log(2 * np.pi)


PRIOR = Gaussian(0.0, 2.0)


def bayesian_regression_log_posterior(w, X, y, noise_std):
    likelihood = Gaussian(X @ w, noise_std)
    return -(np.sum(likelihood.log_prob(y)) + np.sum(PRIOR.log_prob(w)))


MIXTURE = [Gaussian(-1.0, 0.5), Gaussian(0.5, 1.0), Gaussian(2.0, 0.7)]


def mixture_negative_log_likelihood(logits, x):
    log_w = logits - np.log(np.sum(np.exp(logits)))
    terms = np.stack([lw + comp.log_prob(x) for lw, comp in zip(log_w, MIXTURE)])
    top = np.max(terms, axis=0)
    return -np.sum(top + np.log(np.sum(np.exp(terms - top), axis=0)))


class GaussianEncoder:
    def __call__(self, p, x):
        h = np.tanh(x @ p["W"] + p["b"])
        return h @ p["W_mu"], h @ p["W_logvar"]


class BernoulliDecoder:
    def __call__(self, p, z):
        return sigmoid(z @ p["W"] + p["b"])


class VAE:
    def __init__(self, encoder, decoder, eps):
        self.encoder = encoder
        self.decoder = decoder
        self.eps = eps              # the noise of the reparameterisation, drawn outside

    def elbo(self, params, x):
        mu, logvar = self.encoder(params["enc"], x)
        z = mu + np.exp(0.5 * logvar) * self.eps
        probs = self.decoder(params["dec"], z)
        rec = np.sum(x * np.log(probs + 1e-9) + (1 - x) * np.log(1 - probs + 1e-9))
        kl = -0.5 * np.sum(1 + logvar - mu ** 2 - np.exp(logvar))
        return rec - kl


VAE_MODEL = VAE(GaussianEncoder(), BernoulliDecoder(), _seeded(10, 3, 2, scale=1.0))


def vae_negative_elbo(params, x):
    return -VAE_MODEL.elbo(params, x)


class Generator:
    def __call__(self, p, z):
        return np.tanh(z @ p["W1"]) @ p["W2"]


class Discriminator:
    def __call__(self, p, x):
        return sigmoid(relu(x @ p["W1"]) @ p["w2"])


GENERATOR, DISCRIMINATOR = Generator(), Discriminator()


def gan_generator_loss(g_params, d_params, z):
    fake = GENERATOR(g_params, z)
    return -np.mean(np.log(DISCRIMINATOR(d_params, fake) + 1e-9))


# ----- preprocessing pipelines and ensembles -------------------------------------------------
class StandardScaler:
    def __init__(self, X):
        self.mean = X.mean(axis=0)
        self.scale = X.std(axis=0)

    def transform(self, X):
        return (X - self.mean) / self.scale


class PolynomialFeatures:
    def __init__(self, degree):
        self.degree = degree

    def transform(self, X):
        return np.concatenate([X ** k for k in range(1, self.degree + 1)], axis=1)


_DATA = _seeded(11, 6, 2, scale=2.0)
PIPELINE = [StandardScaler(_DATA), PolynomialFeatures(3)]


def pipeline_then_linear_model(w, X, y):
    for step in PIPELINE:
        X = step.transform(X)
    return mse(X @ w, y)


class LinearModel:
    def predict(self, w, X):
        return X @ w


class TanhModel:
    def predict(self, w, X):
        return np.tanh(X @ w)


ENSEMBLE = [(0.3, LinearModel()), (0.7, TanhModel())]


def weighted_ensemble_loss(w, X, y):
    pred = 0.0
    for weight, model in ENSEMBLE:
        pred = pred + weight * model.predict(w, X)
    return mse(pred, y)


class SoftmaxRegression:
    def __init__(self, reg):
        self.reg = reg

    def predict_log_proba(self, W, X):
        return log_softmax(X @ W)

    def loss(self, W, X, y):
        log_p = self.predict_log_proba(W, X)
        return -np.mean(log_p[np.arange(X.shape[0]), y]) + self.reg * np.sum(W * W)


CLASSIFIER = SoftmaxRegression(reg=0.01)


def softmax_regression_method_loss(W, X, y):
    return CLASSIFIER.loss(W, X, y)
