"""scikit-learn's estimator protocol (``get_params``, ``set_params``) without importing scikit-learn.

An estimator's parameters are the keyword arguments of its ``__init__``, stored
under the same names; ``sklearn.base.clone`` rebuilds an unfitted copy from
``get_params(deep=False)`` (through ``__sklearn_clone__``, scikit-learn >= 1.3),
and grid searches set them with ``set_params``. Fitted attributes (``coef_`` ...) exist only after ``fit``.
"""

import inspect

__all__ = ["EstimatorParams"]


class EstimatorParams:
    """Mixin giving an estimator ``get_params``/``set_params``, as scikit-learn's ``BaseEstimator``."""

    @classmethod
    def _param_names(cls) -> list[str]:
        """The ``__init__`` keyword names, sorted (scikit-learn's order)."""
        parameters = inspect.signature(cls.__init__).parameters.values()
        return sorted(p.name for p in parameters
                      if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))

    def get_params(self, deep: bool = True) -> dict:
        """The estimator's parameters by name (no nested estimators, so ``deep`` changes nothing)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params) -> "EstimatorParams":
        """Set parameters by name; they are checked by the next ``fit``. Returns ``self``."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; "
                                 f"valid parameters are {valid}")
            setattr(self, name, value)
        return self

    def __sklearn_clone__(self) -> "EstimatorParams":
        """An unfitted copy with the same parameters (what ``sklearn.base.clone`` returns)."""
        return type(self)(**self.get_params(deep=False))

    def __repr__(self) -> str:
        """``Name(param=value, ...)`` for the parameters that differ from their defaults."""
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = [f"{name}={value!r}" for name, value in self.get_params().items()
                   if not _same(value, defaults.get(name, inspect.Parameter.empty))]
        return f"{type(self).__name__}({', '.join(changed)})"


def _same(value, default) -> bool:
    """Whether a parameter still has its default (arrays are never defaults)."""
    try:
        return bool(value is default or value == default)
    except ValueError:  # an array compared with a scalar
        return False
