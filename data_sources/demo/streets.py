"""The demo city's streets: traffic counts, road noise and charge points, from one daily rhythm of traffic.

Like ``physics.py``: closed-form functions of time, vectorised over a grid of epoch seconds, the
same seed and instant giving the same value. Noise follows the cars energetically (twice the
traffic, +3 dB), so rush hours are louder, nights and Sundays quieter.
"""

from __future__ import annotations

import numpy as np

from data_sources.demo.physics import smooth, uniform
from data_sources.demo.stations import DemoStation


def _bump(h: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-(((h - centre) / width) ** 2))


def _span(h: np.ndarray, rise: float, fall: float, steep: float) -> np.ndarray:
    """About 1 between ``rise`` and ``fall`` (local hours), about 0 outside, with soft edges."""
    return 1 / (1 + np.exp(-(h - rise) * steep)) / (1 + np.exp((h - fall) * steep))


def _by_day(wd: np.ndarray, weekday: np.ndarray, saturday: np.ndarray, sunday: np.ndarray) -> np.ndarray:
    return np.where(wd < 5, weekday, np.where(wd == 5, saturday, sunday))


def motor(h: np.ndarray, wd: np.ndarray) -> np.ndarray:
    """Cars relative to the weekday evening rush hour (≈ 1 at 17:00, ≈ 0.9 at 07:30, ≈ 0.015 at 03:00)."""
    return _by_day(
        wd,
        0.012 + 0.5 * _span(h, 6.2, 20.3, 1.8) + 0.42 * _bump(h, 7.6, 0.8) + 0.48 * _bump(h, 16.9, 1.3),
        0.02 + 0.55 * _span(h, 8.0, 20.5, 1.2) + 0.12 * _bump(h, 11.5, 2.0),
        0.015 + 0.36 * _span(h, 9.5, 20.5, 1.0) + 0.06 * _bump(h, 15.0, 2.5),
    )


def heavy(h: np.ndarray, wd: np.ndarray) -> np.ndarray:
    """Lorries and buses: deliveries through the working day, few on Saturdays, hardly any on Sundays."""
    working = 0.03 + 0.8 * _span(h, 5.5, 18.5, 1.2) + 0.2 * _bump(h, 10.0, 2.5)
    return _by_day(wd, working, 0.35 * working, 0.08 * working)


def bikes(h: np.ndarray, wd: np.ndarray) -> np.ndarray:
    """Bicycles: pupils and commuters on weekdays (school ends at lunchtime), leisure afternoons at weekends."""
    return _by_day(
        wd,
        0.04 + 0.75 * _bump(h, 7.5, 0.7) + 0.55 * _bump(h, 13.4, 0.9) + 0.7 * _bump(h, 17.0, 1.5),
        0.04 + 0.7 * _bump(h, 14.0, 3.0),
        0.03 + 0.8 * _bump(h, 14.5, 2.8),
    )


def pedestrians(h: np.ndarray, wd: np.ndarray) -> np.ndarray:
    """People on foot: shopping hours, the lunch break, Saturday's market morning busiest."""
    shops = 0.03 + 0.55 * _span(h, 8.5, 19.0, 1.3) + 0.3 * _bump(h, 12.5, 1.5) + 0.15 * _bump(h, 7.6, 0.5)
    return _by_day(wd, shops, 0.03 + 1.0 * _span(h, 8.5, 15.5, 1.2), 0.02 + 0.3 * _bump(h, 15.0, 3.0))


def _season(doy: np.ndarray) -> np.ndarray:
    return np.cos(2 * np.pi * (doy - 196) / 365.25)  # +1 mid-July, -1 mid-January


def traffic(st: DemoStation, t: np.ndarray, lt: dict, seed: int) -> dict[str, np.ndarray]:
    """Hourly rates of one counter; ``t`` is each hour's start, so the rates are taken at its middle."""
    h, wd, p = lt["hour"] + 0.5, lt["weekday"], st.params
    day = 1 + 0.05 * smooth(seed, st.native_id + "/day", t, (29.0, 83.0), (1.0, 0.6))  # busier and quieter days

    def rate(name: str, peak: float, shape: np.ndarray, spread: float = 0.08) -> np.ndarray:
        jitter = 1 + spread * (uniform(seed, f"{st.native_id}/{name}", t) - 0.5) * 2
        return np.round(np.clip(peak * shape * day * jitter, 0, None), 1)  # Telraam's rates are fractional too

    cars = rate("car", p["cars"], motor(h, wd))
    weather = 1 + 0.4 * _season(lt["doy"])  # twice the bicycles in summer as in winter
    load = cars / p["cars"]
    v85 = p["v85"] + 3 * (1 - load) - 9 * load**3 + 2.5 * (uniform(seed, st.native_id + "/v85", t) - 0.5)
    return {
        "traffic_car": cars,
        "traffic_heavy": rate("heavy", p["heavy"], heavy(h, wd), 0.2),
        "traffic_bike": rate("bike", p["bikes"], bikes(h, wd) * weather, 0.2),
        "traffic_pedestrian": rate("pedestrian", p["pedestrians"], pedestrians(h, wd) * (1 + 0.15 * _season(lt["doy"])), 0.15),
        "speed_v85": np.round(np.clip(v85, 15, None), 1),
    }


TRAIN_MINUTES = (20, 50)  # a Hönnetalbahn train passes in the 10 minutes before these, 05:00–23:00
TRAIN_SEL = 88.0  # dB(A): sound exposure level of one pass at the meter


def noise(st: DemoStation, t: np.ndarray, lt: dict, seed: int) -> dict[str, np.ndarray]:
    """LAeq and LAFmax of the 10 minutes before each instant (WS302 resolution: 0.1 dB)."""
    p, h, wd = st.params, lt["hour"], lt["weekday"]
    people = p.get("people", 0.0)
    activity = (1 - people) * motor(h, wd) + people * pedestrians(h, wd)
    energy = 10 ** (p["floor"] / 10) + 10 ** (p["peak"] / 10) * activity
    minute = np.round(h * 60) % 60
    train = (p.get("trains", 0.0) > 0) & np.isin(minute, TRAIN_MINUTES) & (h > 5) & (h <= 23)
    energy = energy + np.where(train, 10 ** (TRAIN_SEL / 10) / 600, 0.0)
    wander = 0.8 * smooth(seed, st.native_id, t, (2.3, 11.0), (1.0, 0.7))
    laeq = 10 * np.log10(energy) + wander + 2.4 * (uniform(seed, st.native_id, t) - 0.5)
    # the loudest passing car or voice: 8–20 dB above the mean level; a train's horn and brakes at the station
    peak = laeq + 8 + 12 * uniform(seed, st.native_id + "/max", t) ** 2
    peak = np.where(train, np.maximum(peak, 80 + 4 * uniform(seed, st.native_id + "/train", t)), peak)
    return {"noise": np.round(laeq, 1), "noise_max": np.round(peak, 1)}


def _phi(z: np.ndarray) -> np.ndarray:
    """The standard normal distribution function (tanh approximation, within 0.001)."""
    return 0.5 * (1 + np.tanh(0.7978845608 * (z + 0.044715 * z**3)))


def _demand(users: str, h: np.ndarray, wd: np.ndarray) -> np.ndarray:
    """Chance that a working charge point is taken: residents overnight, then commuters or shoppers."""
    overnight = 0.2 * (1 - _span(h, 7.0, 19.5, 1.5))
    if users == "commuters":
        return overnight + _by_day(wd, 0.08 + 0.7 * _span(h, 7.2, 17.6, 1.6), 0.1 + 0.25 * _bump(h, 13, 3), 0.08 + 0.2 * _bump(h, 15, 3))
    return overnight + _by_day(
        wd,
        0.06 + 0.5 * _bump(h, 11.0, 2.0) + 0.55 * _bump(h, 16.5, 1.8),
        0.06 + 0.8 * _bump(h, 12.0, 2.6),
        0.04 + 0.25 * _bump(h, 15.0, 3.0),
    )


def charging(st: DemoStation, t: np.ndarray, lt: dict, seed: int) -> dict[str, np.ndarray]:
    """Charge points by state, as whole numbers that always add up to the site's points.

    Each working point wanders smoothly (sessions of one to a few hours) and is taken while its
    own normal-distributed level lies below the demand of the hour.
    """
    points, broken = st.params["points"], st.params["broken"]
    demand = np.clip(_demand(st.params["users"], lt["hour"], lt["weekday"]), 0, 0.97)
    amps = (1.0, 0.8, 0.6)
    sigma = np.sqrt(sum(a * a for a in amps) / 2)
    occupied = np.zeros(len(t))
    for i in range(points - broken):
        level = _phi(smooth(seed, f"{st.native_id}/{i}", t, (1.1, 2.3, 4.7), amps) / sigma)
        occupied += level < demand
    return {
        "charging_free": (points - broken) - occupied,
        "charging_occupied": occupied,
        "charging_out_of_service": np.full(len(t), float(broken)),
    }


MODELS = {"traffic": traffic, "noise": noise, "charging": charging}
