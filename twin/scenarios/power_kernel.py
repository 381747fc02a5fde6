"""Compiled kernel of the fast power contingency path: one contingency at a time, on its changes.

Per contingency (`_case`), with everything else held at the base solve:

1. liveness: the failed elements die, and so does every element fed only
   through a dead one (a walk over the supply children, upstream and
   alternate edges, never the whole network);
2. changes: racks on a dead element move their load to the live cord (or
   are lost), dead elements drop their own load, extra loads are added,
   and an element whose upstream died and whose alternate lives transfers
   its subtree to the alternate;
3. the entries E whose flow or voltage can change: the base-forest
   ancestors of every change, then, below every changed element that is not
   a voltage source (a source or a double-conversion UPS output), its
   children, recursively (their voltage moves);
4. on E only, the stage equations of the AC backward/forward sweep
   (`twin.solve.power_sweep`), iterated until no loss or transferred flow
   changes by more than `ERR_PU`, or the last two changes show that what is
   left is below it: subtree sums over E in base-depth order,
   voltages forward in new-forest depth order.

Entries outside E keep their base values exactly. The cost per contingency
is a few passes over E (about 120 entries for a PDU or UPS on the 1 GW
campus, all 4,229 for the grid connection), so contingencies run in
microseconds; they are split over the cores with numba's `prange`.
Checked element by element against a full re-solve (tests/scenarios).
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb
import numpy as np

MAX_ITER = 60
ERR_PU = 3e-10
"""Error (pu on S_BASE_KVA, 3e-7 kW) left in any loss or transferred flow when a contingency
stops: the last change, or, while the changes shrink geometrically with ratio r < 0.5, the
a-posteriori bound change * r / (1 - r) of a linearly convergent fixed point."""
OVERLOAD_PCT = 100.0

Net = namedtuple(
    "Net",
    [
        "s_base_kva",
        "n_levels",
        "extra_tan",
        "elf",  # (n, N_ELF) float: per-element constants and base state, one row per element
        "eli",  # (n, N_ELI) int: upstream, alternate, base parent, base depth, flags
        "live0",
        "sup_ptr",  # supply children (fed through upstream or alternate), CSR
        "sup_idx",
        "ch_ptr",  # base-forest children, CSR
        "ch_idx",
        "er_ptr",  # racks with a cord on the element, CSR
        "er_idx",
        "rackf",  # (racks, N_RACKF) float
        "racki",  # (racks, N_RACKI) int: cord A element, cord B element, fed in the base
        "order_load",  # live RANKED elements, highest base loading first
        "order_vm",  # live elements, lowest base voltage (VM0) first
        "base_over",  # elements overloaded in the base
    ],
)
"""The base state and the network as flat arrays (built by `fast_power.power_base`).

Per-element values sit in one row each (`elf`, `eli`) so that a contingency
touching a hundred scattered elements reads a few cache lines per element
instead of one per array.
"""

# columns of Net.elf (complex values as real and imaginary parts)
(ZC_RE, ZC_IM, ZEL_RE, ZEL_IM, G0, L0, L1, L2, I_R, RATING, V_KV, V_IN,
 SIN_RE, SIN_IM, LAM_RE, LAM_IM, SLD_RE, SLD_IM, V0_RE, V0_IM, W0_RE, W0_IM,
 LOAD0, VM0, P_MAX) = range(25)  # fmt: skip
# VM0: the element's lowest base voltage, its bus or the end of its feeder cable (vm_in_pu)
N_ELF = 25
UP, ALT, PAR0, DEPTH0, FLAGS = range(5)
N_ELI = 5
SOURCE, STIFF, IS_UPS, UPS_DC, RANKED, UTILITY = 1, 2, 4, 8, 16, 32  # bits of eli[:, FLAGS]
# RANKED: its loading counts in MAX_LOAD (`twin.solve.power.ranked_loading`: not a utility)
# UTILITY: a utility connection, whose change of draw the case reports (UTIL_DKW)
SPLIT_A, TAN_PHI, P_RACK, PA0, PB0, RACK_KW = range(6)
N_RACKF = 6
CORD_A, CORD_B, FED0 = range(3)
N_RACKI = 3

FAST = {"nsz", "arcp", "contract", "afn", "reassoc"}
"""LLVM fast-math flags for the hot loops: reassociation and reciprocal division (results move
by ~1e-16 relative); not nnan/ninf, since NaN marks dead elements and unset entries."""

N_STATS = 7
IT_LOST, RACKS_LOST, MAX_LOAD, OVERLOADS, MIN_VM, ITERS, UTIL_DKW = range(N_STATS)
"""UTIL_DKW: the utility connections' change of real draw from the base, kW (the IT headroom's
grid connection inside a failure, `twin.metrics.headroom_n1`)."""

Scratch = namedtuple("Scratch", "live epos seen lost dx_el dx_val e f c")
"""Work arrays of one worker, reused for every contingency it runs (see `scratch`)."""


@nb.njit(cache=True)
def scratch(net, n_extra):
    """Work arrays: per-entry ints (e), reals (f) and complexes (c), n entries at most."""
    n, nr = len(net.live0), len(net.racki)
    cap = 2 * n + 2 * nr + n_extra + 8
    return Scratch(
        net.live0.copy(),
        np.full(n, -1, np.int64),
        np.zeros(nr, np.bool_),
        np.empty(nr, np.int64),
        np.empty(cap, np.int64),
        np.empty(cap, np.complex128),
        np.empty((9, n), np.int64),
        np.empty((9, n), np.float64),
        np.empty((18, n), np.complex128),
    )


@nb.njit(cache=True)
def _parent(eli, live, i):
    """The element feeding live element i now: upstream if live, else alternate, else -1."""
    u, a = eli[i, UP], eli[i, ALT]
    if u >= 0 and live[u]:
        return u
    if a >= 0 and live[a]:
        return a
    return -1


@nb.njit(cache=True)
def _kill(eli, sup_ptr, sup_idx, fails, live, dead):
    """Kill `fails` and everything fed only through them; dead elements into `dead`, count returned."""
    nd = 0
    for f in fails:
        if live[f]:
            live[f] = False
            dead[nd] = f
            nd += 1
    q = 0
    while q < nd:
        d = dead[q]
        q += 1
        for j in range(sup_ptr[d], sup_ptr[d + 1]):
            c = sup_idx[j]
            if live[c] and not eli[c, FLAGS] & SOURCE and _parent(eli, live, c) < 0:
                live[c] = False
                dead[nd] = c
                nd += 1
    return nd


@nb.njit(cache=True)
def _cords(er_ptr, er_idx, rackf, racki, s_base, live, dead, nd, seen, lost, dx_el, dx_val):
    """Racks on dead elements: the load moves to the live cord, or the rack is lost.

    Writes the cord-load changes (pu) to dx_el/dx_val and the lost racks to
    `lost`; returns (changes, racks lost). `seen` is cleared again on return.
    """
    n_dx = 0
    n_lost = 0
    for q in range(nd):
        d = dead[q]
        for j in range(er_ptr[d], er_ptr[d + 1]):
            r = er_idx[j]
            if seen[r]:
                continue
            seen[r] = True
            a, b = racki[r, CORD_A], racki[r, CORD_B]
            la = a >= 0 and live[a]
            lb = b >= 0 and live[b]
            if racki[r, FED0] and not la and not lb:
                lost[n_lost] = r
                n_lost += 1
            sa = rackf[r, SPLIT_A] if (la and lb) else (1.0 if la else 0.0)
            sb = 1.0 - sa if lb else 0.0
            tan = complex(1.0, rackf[r, TAN_PHI]) / s_base
            p = rackf[r, P_RACK]
            if la:
                dx_el[n_dx] = a
                dx_val[n_dx] = (p * sa - rackf[r, PA0]) * tan
                n_dx += 1
            if lb:
                dx_el[n_dx] = b
                dx_val[n_dx] = (p * sb - rackf[r, PB0]) * tan
                n_dx += 1
    for q in range(nd):
        d = dead[q]
        for j in range(er_ptr[d], er_ptr[d + 1]):
            seen[er_idx[j]] = False
    return n_dx, n_lost


@nb.njit(cache=True, inline="always", fastmath=FAST)
def _conj_div(a, b):
    """conj(a / b) by multiplication (numba's complex division guards against overflow: slow)."""
    d = 1.0 / (b.real * b.real + b.imag * b.imag)
    return complex((a.real * b.real + a.imag * b.imag) * d, (a.real * b.imag - a.imag * b.real) * d)


@nb.njit(cache=True, inline="always", fastmath=FAST)
def _mag(z):
    """|z| without hypot's overflow guard (values here are of order 1)."""
    return np.sqrt(z.real * z.real + z.imag * z.imag)


@nb.njit(cache=True, inline="always")
def _norm(z):
    """Largest of |Re z| and |Im z| (the convergence test; no hypot)."""
    return max(abs(z.real), abs(z.imag))


@nb.njit(cache=True)
def _counting_order(key, m, n_keys, out, descending):
    """Positions 0..m-1 sorted by small non-negative int `key` (stable), into `out`."""
    cnt = np.zeros(n_keys + 1, np.int64)
    for p in range(m):
        cnt[key[p] + 1] += 1
    for j in range(n_keys):
        cnt[j + 1] += cnt[j]
    for p in range(m):
        k = key[p]
        out[cnt[k]] = p
        cnt[k] += 1
    if descending:
        for p in range(m // 2):
            out[p], out[m - 1 - p] = out[m - 1 - p], out[p]


@nb.njit(cache=True, fastmath=FAST)
def _case(net, fails, x_el, x_kw, sc, stats):
    """Solve one contingency; write its `stats` row. Returns (entries, racks lost, dead, worst).

    On return sc.e[0][:ne] holds the entries E (elements), sc.f rows 2-5 their
    live flag, p_kw, loading_pct and vm_pu, row 8 their vm_in_pu (input terminal, after
    the feeder cable; NaN for sources and dead entries), sc.lost[:n_lost] the lost racks and
    sc.e[7][:nd] the newly dead elements; sc.live and sc.epos are restored.
    """
    elf, eli = net.elf, net.eli
    live, epos = sc.live, sc.epos
    el, pe, pe0, ob, on = sc.e[0], sc.e[1], sc.e[2], sc.e[3], sc.e[4]
    dn, tr, dead, key = sc.e[5], sc.e[6], sc.e[7], sc.e[8]
    ratio, stage, lvf, p_kw, load, vm = sc.f[0], sc.f[1], sc.f[2], sc.f[3], sc.f[4], sc.f[5]
    g0, dc, vm_in = sc.f[6], sc.f[7], sc.f[8]
    zc, v, w, vpb, dx, dlam = sc.c[0], sc.c[1], sc.c[2], sc.c[3], sc.c[4], sc.c[5]
    mv, nm, acc, ie, ic, s_in = sc.c[6], sc.c[7], sc.c[8], sc.c[9], sc.c[10], sc.c[11]
    s_in0, lam0, z_el, so, sto, core = sc.c[12], sc.c[13], sc.c[14], sc.c[15], sc.c[16], sc.c[17]
    s = net.s_base_kva
    nd = _kill(eli, net.sup_ptr, net.sup_idx, fails, live, dead)
    n_tr = 0  # live elements whose base parent died: re-rooted on their alternate
    for q in range(nd):
        d = dead[q]
        for j in range(net.sup_ptr[d], net.sup_ptr[d + 1]):
            c = net.sup_idx[j]
            if live[c] and eli[c, PAR0] == d:
                tr[n_tr] = c
                n_tr += 1
    n_dx, n_lost = _cords(
        net.er_ptr, net.er_idx, net.rackf, net.racki, s, live, dead, nd,
        sc.seen, sc.lost, sc.dx_el, sc.dx_val,
    )  # fmt: skip
    for q in range(nd):
        sc.dx_el[n_dx] = dead[q]
        sc.dx_val[n_dx] = -complex(elf[dead[q], SLD_RE], elf[dead[q], SLD_IM])
        n_dx += 1
    for j in range(len(x_el)):
        if live[x_el[j]]:
            sc.dx_el[n_dx] = x_el[j]
            sc.dx_val[n_dx] = x_kw[j] * complex(1.0, net.extra_tan) / s
            n_dx += 1

    # entries E: base-forest ancestors of every change, then the voltage shadow
    ne = 0
    for q in range(n_dx + 3 * n_tr):
        if q < n_dx:
            x = sc.dx_el[q]
        else:
            t = tr[(q - n_dx) // 3]
            r = (q - n_dx) % 3
            x = t if r == 0 else (eli[t, PAR0] if r == 1 else _parent(eli, live, t))
        while x >= 0 and epos[x] < 0:
            epos[x] = ne
            el[ne] = x
            ne += 1
            x = eli[x, PAR0]
    q = 0
    while q < ne:
        x = el[q]
        q += 1
        if live[x] and not eli[x, FLAGS] & STIFF:
            for j in range(net.ch_ptr[x], net.ch_ptr[x + 1]):
                c = net.ch_idx[j]
                if epos[c] < 0:
                    epos[c] = ne
                    el[ne] = c
                    ne += 1

    # renumber E deepest first (base forest): the backward pass then reads it in order
    # and the forward pass in reverse, instead of hopping through scattered entries
    for p in range(ne):
        key[p] = eli[el[p], DEPTH0]
    _counting_order(key, ne, net.n_levels + 2, ob, True)
    for j in range(ne):
        on[j] = el[ob[j]]
    for j in range(ne):
        el[j] = on[j]
        epos[el[j]] = j

    # stage constants on E (the new parent sets the cable base and tap ratio)
    for p in range(ne):
        e = el[p]
        fl = eli[e, FLAGS]
        lv = live[e]
        root = lv and fl & SOURCE
        st = lv and not root
        par = _parent(eli, live, e) if st else -1
        pe[p] = epos[par] if par >= 0 else -1
        p0 = eli[e, PAR0]
        pe0[p] = epos[p0] if p0 >= 0 else -1
        pn = max(par, 0)
        vpn = elf[pn, V_KV]
        zc[p] = complex(elf[e, ZC_RE], elf[e, ZC_IM]) * (s / 1000.0) / vpn**2
        ratio[p] = vpn / elf[e, V_IN]
        vpb[p] = complex(elf[pn, V0_RE], elf[pn, V0_IM])
        v[p] = 1.0 if root else complex(elf[e, V0_RE], elf[e, V0_IM])
        w[p] = complex(elf[e, W0_RE], elf[e, W0_IM])
        lam0[p] = complex(elf[e, LAM_RE], elf[e, LAM_IM])
        dlam[p] = 0.0 if lv else -lam0[p]
        dx[p] = 0.0
        mv[p] = 0.0
        ie[p] = 0.0
        ic[p] = 0.0
        so[p] = np.nan
        stage[p] = st
        lvf[p] = lv
        dn[p] = -1 if st else 0
        g0[p], dc[p] = elf[e, G0], fl & UPS_DC
        s_in0[p] = complex(elf[e, SIN_RE], elf[e, SIN_IM])
        z_el[p] = complex(elf[e, ZEL_RE], elf[e, ZEL_IM])
    for q in range(n_dx):
        dx[epos[sc.dx_el[q]]] += sc.dx_val[q]
    # voltages need parents before children. Only transferred elements change parent;
    # if each new parent sits higher in the base forest (a generator, a bus above),
    # reverse entry order serves, else the new-forest depths are worked out.
    shallow = True
    for t in range(n_tr):
        shallow = shallow and eli[_parent(eli, live, tr[t]), DEPTH0] < eli[tr[t], DEPTH0]
    if shallow:
        for j in range(ne):
            on[j] = ne - 1 - j
    changed = not shallow
    while changed:
        changed = False
        for p in range(ne):
            if dn[p] < 0:
                pp = pe[p]
                if pp < 0 or dn[pp] >= 0:
                    dn[p] = 1 if pp < 0 else dn[pp] + 1
                    changed = True
    if not shallow:
        _counting_order(dn, ne, net.n_levels + 3, on, False)

    it = 0
    last = np.inf
    for it in range(1, MAX_ITER + 1):
        # backward, deepest entries first: each entry's losses use its subtree's new losses
        for p in range(ne):
            acc[p] = 0.0
        change = 0.0
        for p in range(ne):  # deepest first
            own = dx[p] + mv[p]
            if stage[p]:
                s_out = s_in0[p] - lam0[p] + acc[p] + own
                # a double-conversion UPS's output sits at 1 pu: same load, same losses
                if not (dc[p] and s_out == so[p]):
                    ie[p] = _conj_div(s_out, v[p])
                    a2 = ie[p].real ** 2 + ie[p].imag ** 2
                    c = s_out + z_el[p] * a2
                    if dc[p]:
                        c = c.real + 0j
                    e = el[p]
                    if eli[e, FLAGS] & IS_UPS:
                        i_r = elf[e, I_R]
                        xr = np.sqrt(a2) / i_r
                        c += i_r * (elf[e, L0] + (elf[e, L1] + elf[e, L2] * xr) * xr)
                    core[p] = c
                    so[p] = s_out
                st_ = core[p] + g0[p] * (w[p].real ** 2 + w[p].imag ** 2)
                ic[p] = _conj_div(st_, w[p])
                new = st_ + zc[p] * (ic[p].real ** 2 + ic[p].imag ** 2) - s_out - lam0[p]
                sto[p] = st_
            else:
                new = 0.0 if lvf[p] else -lam0[p]
            change = max(change, _norm(new - dlam[p]))
            dlam[p] = new
            acc[p] += own + new
            s_in[p] = s_in0[p] + acc[p]
            if pe0[p] >= 0:
                acc[pe0[p]] += acc[p]
        if n_tr:  # transferred subtrees: their new flow moves from the old parent to the new
            for p in range(ne):
                nm[p] = 0.0
            for t in range(n_tr):
                sr = s_in[epos[tr[t]]]
                nm[epos[_parent(eli, live, tr[t])]] += sr
                nm[epos[eli[tr[t], PAR0]]] -= sr
            for p in range(ne):
                change = max(change, _norm(nm[p] - mv[p]))
                mv[p] = nm[p]
        # forward: voltages from the sources down. Each stage's currents are corrected
        # once to its new voltages before they set the next voltage: the sweeps then
        # converge in 5 iterations instead of 7-8 (the fixed point is the same).
        for j in range(ne):
            p = on[j]
            if stage[p]:
                vp = v[pe[p]] if pe[p] >= 0 else vpb[p]
                ic[p] = _conj_div(sto[p], vp - zc[p] * ic[p])
                w[p] = vp - zc[p] * ic[p]
                if dc[p]:
                    v[p] = 1.0
                else:
                    ie[p] = _conj_div(so[p], w[p] * ratio[p] - z_el[p] * ie[p])
                    v[p] = w[p] * ratio[p] - z_el[p] * ie[p]
        r = change / last if last > 0 else 0.0
        if it > 1 and (change < ERR_PU or (r < 0.5 and change * r / (1.0 - r) < ERR_PU)):
            break
        last = change

    # final flows and the contingency's extremes (E, then the best base element outside E);
    # the last backward pass left s_in final unless a transfer moved flow after it
    if n_tr:
        for p in range(ne):
            acc[p] = dx[p] + dlam[p] + mv[p]
        for p in range(ne):
            if pe0[p] >= 0:
                acc[pe0[p]] += acc[p]
        for p in range(ne):
            s_in[p] = s_in0[p] + acc[p]
    best, arg, over, vmin, dkw = -np.inf, -1, 0, np.inf, 0.0
    for p in range(ne):
        e = el[p]
        vm_in[p] = _mag(w[p]) if stage[p] else np.nan
        if eli[e, FLAGS] & UTILITY:
            dkw += (s_in[p].real * s if lvf[p] else 0.0) - s_in0[p].real * s
        if not lvf[p]:
            p_kw[p], load[p], vm[p] = 0.0, 0.0, np.nan
            continue
        si = s_in[p]
        s_o = _mag(si - (lam0[p] + dlam[p]))
        if eli[e, FLAGS] & SOURCE:  # kVA, and a generator's kW rating (P_MAX; inf for others)
            lp = max(s_o * s / elf[e, RATING], si.real * s / elf[e, P_MAX]) * 100.0
        else:
            lp = (s_o / _mag(v[p]) if stage[p] else s_o) / elf[e, I_R] * 100.0
        if eli[e, FLAGS] & RANKED and (lp > best or (lp == best and e < arg)):
            best, arg = lp, e
        p_kw[p], load[p], vm[p] = si.real * s, lp, _mag(v[p])
        over += lp > OVERLOAD_PCT
        vmin = min(vmin, vm[p])
        if stage[p]:  # the end of its feeder cable: a bus too (hidden behind a UPS output)
            vmin = min(vmin, vm_in[p])
    out_arg = -1
    for i in net.order_load:
        if epos[i] < 0:
            out_arg = i
            break
    out_max = elf[out_arg, LOAD0] if out_arg >= 0 else -np.inf
    if best <= out_max:
        best, arg = out_max, out_arg
    for i in net.base_over:
        over += epos[i] < 0
    for i in net.order_vm:
        if epos[i] < 0:
            vmin = min(vmin, elf[i, VM0])
            break
    lost_kw = 0.0
    for q in range(n_lost):
        lost_kw += net.rackf[sc.lost[q], RACK_KW]
    stats[IT_LOST] = lost_kw
    stats[RACKS_LOST] = n_lost
    stats[MAX_LOAD] = max(best, 0.0)
    stats[OVERLOADS] = over
    stats[MIN_VM] = vmin
    stats[ITERS] = it
    stats[UTIL_DKW] = dkw
    for p in range(ne):
        epos[el[p]] = -1
    for q in range(nd):
        live[dead[q]] = True
    return ne, n_lost, nd, max(arg, 0)


@nb.njit(parallel=True, cache=True)
def solve_all(net, f_ptr, f_idx, x_ptr, x_el, x_kw, n_chunks):
    """Every contingency k (failed f_idx[f_ptr[k]:f_ptr[k+1]], extra loads x_*[x_ptr[k]:...]).

    The contingencies run in `n_chunks` contiguous chunks over the threads, each
    chunk with its own work arrays. Returns (stats (K, N_STATS), worst element
    (K,), entries per contingency (K,)).
    """
    k_n = len(f_ptr) - 1
    stats = np.empty((k_n, N_STATS))
    worst = np.empty(k_n, np.int64)
    n_e = np.empty(k_n, np.int64)
    n_extra = 0
    for k in range(k_n):
        n_extra = max(n_extra, x_ptr[k + 1] - x_ptr[k])
    for c in nb.prange(n_chunks):
        sc = scratch(net, n_extra)
        for k in range(c * k_n // n_chunks, (c + 1) * k_n // n_chunks):
            a, b = x_ptr[k], x_ptr[k + 1]
            ne, _, _, arg = _case(
                net, f_idx[f_ptr[k] : f_ptr[k + 1]], x_el[a:b], x_kw[a:b], sc, stats[k]
            )
            worst[k] = arg
            n_e[k] = ne
    return stats, worst, n_e


@nb.njit(cache=True)
def _grow(buf, n):
    if n < len(buf):
        return buf
    out = np.empty(2 * len(buf) + 16, buf.dtype)
    out[: len(buf)] = buf
    return out


@nb.njit(cache=True)
def outages(net, f_ptr, f_idx):
    """Per contingency, the newly dead elements and the racks that lost both cords.

    Returns (dead element, k, lost rack, k) arrays: liveness only, no flows.
    """
    live = net.live0.copy()
    n, nr = len(net.live0), len(net.racki)
    dead = np.empty(n, np.int64)
    seen = np.zeros(nr, np.bool_)
    lost = np.empty(nr, np.int64)
    cap = 2 * nr + 8
    dx_el, dx_val = np.empty(cap, np.int64), np.empty(cap, np.complex128)
    d_el, d_k = np.empty(64, np.int64), np.empty(64, np.int64)
    r_el, r_k = np.empty(64, np.int64), np.empty(64, np.int64)
    n_d = n_r = 0
    for k in range(len(f_ptr) - 1):
        nd = _kill(net.eli, net.sup_ptr, net.sup_idx, f_idx[f_ptr[k] : f_ptr[k + 1]], live, dead)
        _, n_lost = _cords(
            net.er_ptr, net.er_idx, net.rackf, net.racki, net.s_base_kva, live, dead, nd,
            seen, lost, dx_el, dx_val,
        )  # fmt: skip
        for q in range(nd):
            d_el, d_k = _grow(d_el, n_d), _grow(d_k, n_d)
            d_el[n_d], d_k[n_d] = dead[q], k
            n_d += 1
            live[dead[q]] = True
        for q in range(n_lost):
            r_el, r_k = _grow(r_el, n_r), _grow(r_k, n_r)
            r_el[n_r], r_k[n_r] = lost[q], k
            n_r += 1
    return d_el[:n_d], d_k[:n_d], r_el[:n_r], r_k[:n_r]


@nb.njit(cache=True)
def solve_one(net, fails, x_el, x_kw):
    """One contingency in detail: (E elements, live, p_kw, loading_pct, vm_pu, lost racks, stats,
    vm_in_pu)."""
    sc = scratch(net, len(x_el))
    stats = np.empty(N_STATS)
    ne, n_lost, _, _ = _case(net, fails, x_el, x_kw, sc, stats)
    return (
        sc.e[0][:ne].copy(),
        sc.f[2][:ne] > 0,
        sc.f[3][:ne].copy(),
        sc.f[4][:ne].copy(),
        sc.f[5][:ne].copy(),
        sc.lost[:n_lost].copy(),
        stats,
        sc.f[8][:ne].copy(),
    )
