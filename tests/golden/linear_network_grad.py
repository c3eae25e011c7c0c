def grad_linear_network(W13, W23, W14, W24, W15, W25, W36, W46, W56, n1, n2, y):
    # line 61: n3 = W13 * n1 + W23 * n2
    n3 = W13 * n1 + W23 * n2
    # line 62: n4 = W14 * n1 + W24 * n2
    n4 = W14 * n1 + W24 * n2
    # line 63: n5 = W15 * n1 + W25 * n2
    n5 = W15 * n1 + W25 * n2
    # line 64: n6 = W36 * n3 + W46 * n4 + W56 * n5
    n6 = W36 * n3 + W46 * n4 + W56 * n5
    # line 65: return 0.5 * (n6 - y) ** 2
    v1 = n6 - y
    # line 64: n6 = W36 * n3 + W46 * n4 + W56 * n5
    bW36 = v1 * n3
    # line 61: n3 = W13 * n1 + W23 * n2
    bW13 = v1 * W36 * n1
    return bW13, bW36
