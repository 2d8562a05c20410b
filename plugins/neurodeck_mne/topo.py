"""Topographic maps without matplotlib: sensor positions flattened onto a disc and values
interpolated between them (Qt-free; the views draw the grid).

Positions are projected as MNE projects them for its topomaps: azimuthal equidistant about
the head origin, so a sensor's distance from the centre is its angle from the vertex, and
the head outline (radius 1 here) is the equator of MNE's default head sphere. Values are
interpolated with Clough-Tocher splines (MNE's default ``image_interp="cubic"``), extended
to the outline by points set to the mean of their nearest sensors (like MNE's
``extrapolate="head"``, ``border="mean"``).
"""

from __future__ import annotations

import numpy as np

#: Points added on the outline for the extrapolation, and sensors averaged for each.
N_BORDER = 24
K_NEAREST = 3


def has_positions(positions: np.ndarray) -> np.ndarray:
    """Which rows of an ``n x 3`` array are real positions (finite, not all zero)."""
    pos = np.asarray(positions, float)
    return np.all(np.isfinite(pos), axis=1) & np.any(pos != 0, axis=1)


def project(positions: np.ndarray) -> np.ndarray:
    """``n x 3`` head positions (m) -> ``n x 2`` disc coordinates (1 = the equator)."""
    pos = np.asarray(positions, float)
    x, y, z = pos[:, 0], pos[:, 1], pos[:, 2]
    r = np.sqrt(x**2 + y**2 + z**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        theta = np.arccos(np.clip(z / r, -1.0, 1.0))
        phi = np.arctan2(y, x)
    rho = theta / (np.pi / 2)
    return np.column_stack([rho * np.cos(phi), rho * np.sin(phi)])


def grid(xy: np.ndarray, values: np.ndarray, n: int = 64
         ) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Values interpolated on an ``n x n`` grid over the head (NaN outside it), and the grid's
    extent ``(x0, y0, width, height)`` in disc coordinates."""
    from scipy.interpolate import CloughTocher2DInterpolator

    xy = np.asarray(xy, float)
    values = np.asarray(values, float)
    keep = np.all(np.isfinite(xy), axis=1) & np.isfinite(values)
    xy, values = xy[keep], values[keep]
    radius = max(1.0, float(np.max(np.hypot(xy[:, 0], xy[:, 1]))) * 1.02) if len(xy) else 1.0
    angles = np.linspace(0, 2 * np.pi, N_BORDER, endpoint=False)
    border = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    dist = np.linalg.norm(border[:, None, :] - xy[None, :, :], axis=2)
    nearest = np.argsort(dist, axis=1)[:, :min(K_NEAREST, len(xy))]
    border_values = values[nearest].mean(axis=1)
    points = np.vstack([xy, border])
    vals = np.concatenate([values, border_values])
    extent = (-radius, -radius, 2 * radius, 2 * radius)
    axis = np.linspace(-radius, radius, n)
    gx, gy = np.meshgrid(axis, axis)  # rows: y, columns: x
    if len(xy) < 3:
        out = np.full((n, n), float(values.mean()) if len(values) else np.nan)
    else:
        out = CloughTocher2DInterpolator(points, vals)(gx, gy)
    out[np.hypot(gx, gy) > radius] = np.nan
    return out, extent


def head_outline(radius: float = 1.0) -> list[np.ndarray]:
    """Lines of a head seen from above, nose up (+y): the circle, the nose, the ears."""
    t = np.linspace(0, 2 * np.pi, 101)
    circle = np.column_stack([np.cos(t), np.sin(t)]) * radius
    nose = np.array([[-0.18, 0.985], [0.0, 1.15], [0.18, 0.985]]) * radius
    ear_y = np.array([0.1, 0.15, 0.1, -0.05, -0.2, -0.25, -0.1])
    ear_x = np.array([1.0, 1.06, 1.1, 1.09, 1.06, 1.01, 1.0])
    right = np.column_stack([ear_x, ear_y]) * radius
    left = np.column_stack([-ear_x, ear_y]) * radius
    return [circle, nose, right, left]
