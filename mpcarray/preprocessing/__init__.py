"""Correlated randomness from a trusted dealer (the offline phase)."""

from .dealer import Dealer, Material, SimulatedDealer

__all__ = ["Dealer", "Material", "SimulatedDealer"]
