"""Backward rules for the fused normalization ops (each one C++ backward call)."""

from pyfastfit.core._c import _C


def _batch_norm(node, g):
    # Inputs: x, then mean and variance unless batch_stats, then gamma, beta if given.
    x, mean, var, gamma = node.saved
    epsilon, batch_stats, has_gamma, has_beta, need = node.attrs
    need = list(need)
    need_dx = need.pop(0)
    need_dmean, need_dvar = (False, False) if batch_stats else (need.pop(0), need.pop(0))
    need_dgamma = need.pop(0) if has_gamma else False
    need_dbeta = need.pop(0) if has_beta else False
    dx, dgamma, dbeta, dmean, dvar = _C.batch_norm_backward(
        g, x, mean, var, gamma, epsilon, batch_stats, need_dx, need_dgamma, need_dbeta,
        need_dmean, need_dvar)
    grads = [dx if need_dx else None]
    if not batch_stats:
        grads += [dmean if need_dmean else None, dvar if need_dvar else None]
    if has_gamma:
        grads.append(dgamma if need_dgamma else None)
    if has_beta:
        grads.append(dbeta if need_dbeta else None)
    return tuple(grads)


def _batch_norm_statistics(node, g):
    x, mean = node.saved
    dmean, dvar = g
    return (_C.batch_norm_statistics_backward(dmean, dvar, x, mean),)


def _layer_norm(node, g):
    x, mean, inv_std, gamma = node.saved
    has_gamma, has_beta, need = node.attrs
    need_dgamma = has_gamma and need[1]
    need_dbeta = has_beta and need[-1]
    dx, dgamma, dbeta = _C.layer_norm_backward(g, x, mean, inv_std, gamma, need[0],
                                               need_dgamma, need_dbeta)
    return _with_affine(dx, dgamma, dbeta, has_gamma, has_beta, need)


def _with_affine(dx, dgamma, dbeta, has_gamma, has_beta, need):
    """(dx, [dgamma], [dbeta]) for a normalization's inputs (x, [gamma], [beta]), None
    where `need` says an input takes no gradient."""
    grads = [dx if need[0] else None]
    if has_gamma:
        grads.append(dgamma if need[1] else None)
    if has_beta:
        grads.append(dbeta if need[-1] else None)
    return tuple(grads)


def _layer_norm_rms(node, g):
    x, mean, inv_std, gamma = node.saved
    need = node.attrs
    need_dgamma = gamma is not None and need[1]
    dx, dgamma = _C.layer_norm_rms_backward(g, x, mean, inv_std, gamma, need[0],
                                            need_dgamma)
    grads = [dx if need[0] else None]
    if gamma is not None:
        grads.append(dgamma if need_dgamma else None)
    return tuple(grads)


def _unit_norm(node, g):
    x, sq = node.saved
    return (_C.unit_norm_backward(g, x, sq),)


def _group_norm(node, g):
    x, mean, inv_std, gamma = node.saved
    groups, has_gamma, has_beta, need = node.attrs
    need_dgamma = has_gamma and need[1]
    need_dbeta = has_beta and need[-1]
    dx, dgamma, dbeta = _C.group_norm_backward(g, x, mean, inv_std, gamma, groups, need[0],
                                               need_dgamma, need_dbeta)
    return _with_affine(dx, dgamma, dbeta, has_gamma, has_beta, need)


RULES = {"batch_norm": _batch_norm, "batch_norm_statistics": _batch_norm_statistics,
         "layer_norm": _layer_norm, "layer_norm_rms": _layer_norm_rms,
         "unit_norm": _unit_norm, "group_norm": _group_norm}
