def grad_seed(x1, x2):
    # line 16: return np.log(x1) + x1 * x2 - np.sin(x2)
    bx2 = x1 - math.cos(x2)
    bx1 = x2 + 1.0 / x1
    return bx1, bx2
