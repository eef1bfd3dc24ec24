"""Correlated randomness: the trusted dealer, and the dealer-free Shamir provider (the offline phase)."""

from .dealer import Dealer, Material, SimulatedDealer
from .provider import Provider
from .prss import PseudoRandomSharing

__all__ = ["Dealer", "Material", "Provider", "PseudoRandomSharing", "SimulatedDealer"]
