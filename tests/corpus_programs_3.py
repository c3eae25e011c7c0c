"""Corpus, part 3: classifiers, nets and update rules in the style of course solutions.

Loss functions that compute their own gradient alongside the loss (linear_svm.py and
softmax.py style: loops with `dW[:, j] += X[i]`, `margins[np.arange(N), y] = 0`), a
fully-connected net reading `params['W%d' % i]`, update rules with a config dict, a captioning
RNN assembled from the part-2 layers, and word2vec losses with their gradients in the style of
a second course. Nothing is copied; it is written here in those styles.
"""

import numpy as np

from corpus_programs_2 import (affine_forward, affine_relu_forward, rnn_forward,
                               temporal_affine_forward, temporal_softmax_loss,
                               word_embedding_forward)


def svm_loss_naive(W, X, y, reg):
    dW = np.zeros(W.shape)
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1  # note delta = 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW


def svm_loss_vectorized(W, X, y, reg):
    loss = 0.0
    num_train = X.shape[0]
    scores = X.dot(W)
    correct_class_scores = scores[np.arange(num_train), y]
    margins = np.maximum(0, scores - correct_class_scores[:, np.newaxis] + 1)
    margins[np.arange(num_train), y] = 0
    loss = np.sum(margins) / num_train + reg * np.sum(W * W)
    binary = margins
    binary[margins > 0] = 1
    row_sum = np.sum(binary, axis=1)
    binary[np.arange(num_train), y] = -row_sum
    dW = X.T.dot(binary) / num_train + 2 * reg * W
    return loss, dW


def softmax_loss_naive(W, X, y, reg):
    loss = 0.0
    dW = np.zeros_like(W)
    num_train = X.shape[0]
    num_classes = W.shape[1]
    for i in range(num_train):
        scores = X[i].dot(W)
        scores -= np.max(scores)
        exp_scores = np.exp(scores)
        probs = exp_scores / np.sum(exp_scores)
        loss += -np.log(probs[y[i]])
        for j in range(num_classes):
            dW[:, j] += (probs[j] - (j == y[i])) * X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
    num_train = X.shape[0]
    scores = X.dot(W)
    scores -= scores.max(axis=1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=1, keepdims=True)
    loss = -np.log(probs[range(num_train), y]).sum() / num_train
    loss += reg * np.sum(W * W)
    dscores = probs.copy()
    dscores[range(num_train), y] -= 1
    dW = X.T.dot(dscores) / num_train + 2 * reg * W
    return loss, dW


def softmax_loss(x, y):
    """The layers.py loss: scores in, (loss, dscores) out."""
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(Z)
    probs = np.exp(log_probs)
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx


def svm_loss(x, y):
    N = x.shape[0]
    correct_class_scores = x[np.arange(N), y]
    margins = np.maximum(0, x - correct_class_scores[:, np.newaxis] + 1.0)
    margins[np.arange(N), y] = 0
    loss = np.sum(margins) / N
    num_pos = np.sum(margins > 0, axis=1)
    dx = np.zeros_like(x)
    dx[margins > 0] = 1
    dx[np.arange(N), y] -= num_pos
    dx /= N
    return loss, dx


def svm_naive_value(W, X, y, reg):
    loss, _ = svm_loss_naive(W, X, y, reg)
    return loss


def svm_vectorized_value(W, X, y, reg):
    return svm_loss_vectorized(W, X, y, reg)[0]


def softmax_naive_value(W, X, y, reg):
    loss, grad = softmax_loss_naive(W, X, y, reg)
    return loss


def softmax_vectorized_value(W, X, y, reg):
    loss, _ = softmax_loss_vectorized(W, X, y, reg)
    return loss


def softmax_layer_value(x, y):
    return softmax_loss(x, y)[0]


def svm_layer_value(x, y):
    return svm_loss(x, y)[0]


def fc_net_loss(params, X, y, num_layers, reg):
    """FullyConnectedNet.loss without self: parameters under 'W1', 'b1', ... in a dict."""
    caches = {}
    out = X
    for i in range(1, num_layers):
        out, caches[i] = affine_relu_forward(out, params["W%d" % i], params["b%d" % i])
    scores, caches[num_layers] = affine_forward(out, params["W%d" % num_layers],
                                                params["b%d" % num_layers])
    loss, dscores = softmax_loss(scores, y)
    for i in range(1, num_layers + 1):
        loss += 0.5 * reg * np.sum(params["W%d" % i] ** 2)
    return loss


class TwoLayerNet:
    """The class-based net: parameters in self.params, loss(X, y) returns (loss, grads)."""

    def __init__(self, input_dim, hidden_dim, num_classes, weight_scale, reg, seed):
        rng = np.random.RandomState(seed)
        self.params = {}
        self.reg = reg
        self.params["W1"] = weight_scale * rng.randn(input_dim, hidden_dim)
        self.params["b1"] = np.zeros(hidden_dim)
        self.params["W2"] = weight_scale * rng.randn(hidden_dim, num_classes)
        self.params["b2"] = np.zeros(num_classes)

    def scores(self, X):
        hidden, _ = affine_relu_forward(X, self.params["W1"], self.params["b1"])
        scores, _ = affine_forward(hidden, self.params["W2"], self.params["b2"])
        return scores

    def loss(self, X, y):
        loss, _ = softmax_loss(self.scores(X), y)
        W1, W2 = self.params["W1"], self.params["W2"]
        return loss + 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))


def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    return next_w, config


def adam(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)
    config["t"] += 1
    config["m"] = config["beta1"] * config["m"] + (1 - config["beta1"]) * dw
    mt = config["m"] / (1 - config["beta1"] ** config["t"])
    config["v"] = config["beta2"] * config["v"] + (1 - config["beta2"]) * (dw ** 2)
    vt = config["v"] / (1 - config["beta2"] ** config["t"])
    next_w = w - config["learning_rate"] * mt / (np.sqrt(vt) + config["epsilon"])
    return next_w, config


def _quadratic_grad(w, A, c):
    return A.T.dot(A.dot(w) - c)


def loss_after_momentum_steps(w, A, c, steps):
    """Validation loss after a few SGD-momentum steps: the derivative through the update rule."""
    config = {"learning_rate": 0.05}
    for _ in range(steps):
        w, config = sgd_momentum(w, _quadratic_grad(w, A, c), config)
    return 0.5 * np.sum((A.dot(w) - c) ** 2)


def loss_after_adam_steps(w, A, c, steps):
    config = None
    for _ in range(steps):
        w, config = adam(w, _quadratic_grad(w, A, c), config)
    return 0.5 * np.sum((A.dot(w) - c) ** 2)


def captioning_loss(features, captions, W_proj, b_proj, W_embed, Wx, Wh, b, W_vocab, b_vocab):
    """CaptioningRNN.loss, vanilla RNN cell: the forward pass only (token 0 is <NULL>)."""
    null = 0
    captions_in = captions[:, :-1]
    captions_out = captions[:, 1:]
    mask = captions_out != null
    h0, _ = affine_forward(features, W_proj, b_proj)
    x, _ = word_embedding_forward(captions_in, W_embed)
    h, _ = rnn_forward(x, h0, Wx, Wh, b)
    scores, _ = temporal_affine_forward(h, W_vocab, b_vocab)
    loss, _ = temporal_softmax_loss(scores, captions_out, mask, verbose=False)
    return loss


# ----- word2vec losses with their gradients, second-course style ------------------------------

def sigmoid(x):
    s = 1 / (1 + np.exp(-x))
    return s


def softmax_rows(x):
    orig_shape = x.shape
    if len(x.shape) > 1:
        x = x - np.max(x, axis=1, keepdims=True)
        x = np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)
    else:
        x = x - np.max(x)
        x = np.exp(x) / np.sum(np.exp(x))
    assert x.shape == orig_shape
    return x


def naive_softmax_loss_and_gradient(centerWordVec, outsideWordIdx, outsideVectors):
    y_hat = softmax_rows(outsideVectors.dot(centerWordVec))
    loss = -np.log(y_hat[outsideWordIdx])
    y_hat_minus_y = y_hat.copy()
    y_hat_minus_y[outsideWordIdx] -= 1
    gradCenterVec = outsideVectors.T.dot(y_hat_minus_y)
    gradOutsideVecs = np.outer(y_hat_minus_y, centerWordVec)
    return loss, gradCenterVec, gradOutsideVecs


def neg_sampling_loss_and_gradient(centerWordVec, outsideWordIdx, outsideVectors, negSampleIdx):
    indices = [outsideWordIdx] + negSampleIdx
    gradOutsideVecs = np.zeros(outsideVectors.shape)
    u_o = outsideVectors[outsideWordIdx]
    z = sigmoid(np.dot(u_o, centerWordVec))
    loss = -np.log(z)
    gradCenterVec = (z - 1.0) * u_o
    gradOutsideVecs[outsideWordIdx] += (z - 1.0) * centerWordVec
    for k in range(1, len(indices)):
        idx = indices[k]
        u_k = outsideVectors[idx]
        s = sigmoid(-np.dot(u_k, centerWordVec))
        loss -= np.log(s)
        gradCenterVec += (1.0 - s) * u_k
        gradOutsideVecs[idx] += (1.0 - s) * centerWordVec
    return loss, gradCenterVec, gradOutsideVecs


def skipgram(currentCenterWord, windowSize, outsideWords, word2Ind, centerWordVectors,
             outsideVectors):
    loss = 0.0
    gradCenterVecs = np.zeros(centerWordVectors.shape)
    gradOutsideVectors = np.zeros(outsideVectors.shape)
    center_idx = word2Ind[currentCenterWord]
    v_c = centerWordVectors[center_idx]
    for word in outsideWords:
        part, g_c, g_out = naive_softmax_loss_and_gradient(v_c, word2Ind[word], outsideVectors)
        loss += part
        gradCenterVecs[center_idx] += g_c
        gradOutsideVectors += g_out
    return loss, gradCenterVecs, gradOutsideVectors


def naive_softmax_value(centerWordVec, outsideVectors, outsideWordIdx):
    loss, _, _ = naive_softmax_loss_and_gradient(centerWordVec, outsideWordIdx, outsideVectors)
    return loss


def neg_sampling_value(centerWordVec, outsideVectors, outsideWordIdx, negSampleIdx):
    return neg_sampling_loss_and_gradient(centerWordVec, outsideWordIdx, outsideVectors,
                                          negSampleIdx)[0]


def skipgram_value(centerWordVectors, outsideVectors, center, context, word2Ind):
    loss, _, _ = skipgram(center, 2, context, word2Ind, centerWordVectors, outsideVectors)
    return loss
