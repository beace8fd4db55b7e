"""The loss catalogue: one function and one class per loss, plus the registry.

Every loss has a card (``_cards.py``): its names and aliases, and every fact
that other parts of losslab need. The public names below are built from the
cards: each loss's function, class and function aliases (Keras's ``mse``,
``MSE``, ``kld``..., plus the legacy ``kullback_leibler_divergence`` that
Keras 3 dropped). The explicit imports keep them visible to type checkers.
"""

from losslab.losses import _cards  # noqa: F401 - declares every card: registers the names and aliases
from losslab.losses._card import cards as _all_cards
from losslab.losses._deviance import GammaDeviance as GammaDeviance
from losslab.losses._deviance import GaussianNLL as GaussianNLL
from losslab.losses._deviance import PoissonDeviance as PoissonDeviance
from losslab.losses._deviance import PoissonNLL as PoissonNLL
from losslab.losses._deviance import TweedieDeviance as TweedieDeviance
from losslab.losses._deviance import gamma_deviance as gamma_deviance
from losslab.losses._deviance import gaussian_nll as gaussian_nll
from losslab.losses._deviance import poisson_deviance as poisson_deviance
from losslab.losses._deviance import poisson_nll as poisson_nll
from losslab.losses._deviance import tweedie_deviance as tweedie_deviance
from losslab.losses._embedding import Contrastive as Contrastive
from losslab.losses._embedding import MarginRanking as MarginRanking
from losslab.losses._embedding import TripletMargin as TripletMargin
from losslab.losses._embedding import contrastive as contrastive
from losslab.losses._embedding import margin_ranking as margin_ranking
from losslab.losses._embedding import triplet_margin as triplet_margin
from losslab.losses._hinge import BinarySparsemax as BinarySparsemax
from losslab.losses._hinge import CategoricalHinge as CategoricalHinge
from losslab.losses._hinge import Hinge as Hinge
from losslab.losses._hinge import Perceptron as Perceptron
from losslab.losses._hinge import SquaredHinge as SquaredHinge
from losslab.losses._hinge import binary_sparsemax as binary_sparsemax
from losslab.losses._hinge import categorical_hinge as categorical_hinge
from losslab.losses._hinge import hinge as hinge
from losslab.losses._hinge import perceptron as perceptron
from losslab.losses._hinge import squared_hinge as squared_hinge
from losslab.losses._loss import CombinedLoss as CombinedLoss
from losslab.losses._loss import Loss as Loss
from losslab.losses._loss import LossFunctionWrapper as LossFunctionWrapper
from losslab.losses._noisy import ClassWeightedCrossentropy as ClassWeightedCrossentropy
from losslab.losses._noisy import MultilabelSoftMargin as MultilabelSoftMargin
from losslab.losses._noisy import Poly1Crossentropy as Poly1Crossentropy
from losslab.losses._noisy import SoftBCEWithLogits as SoftBCEWithLogits
from losslab.losses._noisy import SoftCrossEntropy as SoftCrossEntropy
from losslab.losses._noisy import SparsePoly1Crossentropy as SparsePoly1Crossentropy
from losslab.losses._noisy import SymmetricCrossentropy as SymmetricCrossentropy
from losslab.losses._noisy import class_balanced_weights as class_balanced_weights
from losslab.losses._noisy import class_weighted_crossentropy as class_weighted_crossentropy
from losslab.losses._noisy import multilabel_soft_margin as multilabel_soft_margin
from losslab.losses._noisy import poly1_crossentropy as poly1_crossentropy
from losslab.losses._noisy import soft_bce_with_logits as soft_bce_with_logits
from losslab.losses._noisy import soft_crossentropy as soft_crossentropy
from losslab.losses._noisy import sparse_poly1_crossentropy as sparse_poly1_crossentropy
from losslab.losses._noisy import symmetric_crossentropy as symmetric_crossentropy
from losslab.losses._probabilistic import BinaryCrossentropy as BinaryCrossentropy
from losslab.losses._probabilistic import BinaryFocalCrossentropy as BinaryFocalCrossentropy
from losslab.losses._probabilistic import CategoricalCrossentropy as CategoricalCrossentropy
from losslab.losses._probabilistic import CategoricalFocalCrossentropy as CategoricalFocalCrossentropy
from losslab.losses._probabilistic import CategoricalGeneralizedCrossEntropy as CategoricalGeneralizedCrossEntropy
from losslab.losses._probabilistic import GeneralizedKLDivergence as GeneralizedKLDivergence
from losslab.losses._probabilistic import KLDivergence as KLDivergence
from losslab.losses._probabilistic import MulticlassSparsemax as MulticlassSparsemax
from losslab.losses._probabilistic import Poisson as Poisson
from losslab.losses._probabilistic import SparseCategoricalCrossentropy as SparseCategoricalCrossentropy
from losslab.losses._probabilistic import binary_crossentropy as binary_crossentropy
from losslab.losses._probabilistic import binary_focal_crossentropy as binary_focal_crossentropy
from losslab.losses._probabilistic import categorical_crossentropy as categorical_crossentropy
from losslab.losses._probabilistic import categorical_focal_crossentropy as categorical_focal_crossentropy
from losslab.losses._probabilistic import categorical_generalized_cross_entropy as categorical_generalized_cross_entropy
from losslab.losses._probabilistic import generalized_kl_divergence as generalized_kl_divergence
from losslab.losses._probabilistic import kl_divergence as kl_divergence
from losslab.losses._probabilistic import multiclass_sparsemax as multiclass_sparsemax
from losslab.losses._probabilistic import poisson as poisson
from losslab.losses._probabilistic import sparse_categorical_crossentropy as sparse_categorical_crossentropy
from losslab.losses._ranking import RankingSoftmax as RankingSoftmax
from losslab.losses._ranking import ranking_softmax as ranking_softmax
from losslab.losses._reduction import REDUCTIONS as REDUCTIONS
from losslab.losses._registry import deserialize as deserialize
from losslab.losses._registry import get as get
from losslab.losses._registry import names as names
from losslab.losses._registry import register_loss as register_loss
from losslab.losses._registry import serialize as serialize
from losslab.losses._regression import CosineSimilarity as CosineSimilarity
from losslab.losses._regression import Huber as Huber
from losslab.losses._regression import LogCosh as LogCosh
from losslab.losses._regression import MeanAbsoluteError as MeanAbsoluteError
from losslab.losses._regression import MeanAbsolutePercentageError as MeanAbsolutePercentageError
from losslab.losses._regression import MeanSquaredError as MeanSquaredError
from losslab.losses._regression import MeanSquaredLogarithmicError as MeanSquaredLogarithmicError
from losslab.losses._regression import cosine_similarity as cosine_similarity
from losslab.losses._regression import huber as huber
from losslab.losses._regression import log_cosh as log_cosh
from losslab.losses._regression import mean_absolute_error as mean_absolute_error
from losslab.losses._regression import mean_absolute_percentage_error as mean_absolute_percentage_error
from losslab.losses._regression import mean_squared_error as mean_squared_error
from losslab.losses._regression import mean_squared_logarithmic_error as mean_squared_logarithmic_error
from losslab.losses._robust import Barron as Barron
from losslab.losses._robust import BarronNLL as BarronNLL
from losslab.losses._robust import Cauchy as Cauchy
from losslab.losses._robust import Charbonnier as Charbonnier
from losslab.losses._robust import Expectile as Expectile
from losslab.losses._robust import GemanMcClure as GemanMcClure
from losslab.losses._robust import MultiQuantile as MultiQuantile
from losslab.losses._robust import Pinball as Pinball
from losslab.losses._robust import SmoothL1 as SmoothL1
from losslab.losses._robust import Welsch as Welsch
from losslab.losses._robust import barron as barron
from losslab.losses._robust import barron_nll as barron_nll
from losslab.losses._robust import cauchy as cauchy
from losslab.losses._robust import charbonnier as charbonnier
from losslab.losses._robust import expectile as expectile
from losslab.losses._robust import geman_mcclure as geman_mcclure
from losslab.losses._robust import multi_quantile as multi_quantile
from losslab.losses._robust import pinball as pinball
from losslab.losses._robust import smooth_l1 as smooth_l1
from losslab.losses._robust import welsch as welsch
from losslab.losses._segmentation import MCC as MCC
from losslab.losses._segmentation import Dice as Dice
from losslab.losses._segmentation import FocalTversky as FocalTversky
from losslab.losses._segmentation import GeneralizedDice as GeneralizedDice
from losslab.losses._segmentation import Jaccard as Jaccard
from losslab.losses._segmentation import Lovasz as Lovasz
from losslab.losses._segmentation import LovaszHinge as LovaszHinge
from losslab.losses._segmentation import LovaszSoftmax as LovaszSoftmax
from losslab.losses._segmentation import Tversky as Tversky
from losslab.losses._segmentation import dice as dice
from losslab.losses._segmentation import focal_tversky as focal_tversky
from losslab.losses._segmentation import generalized_dice as generalized_dice
from losslab.losses._segmentation import jaccard as jaccard
from losslab.losses._segmentation import lovasz as lovasz
from losslab.losses._segmentation import lovasz_hinge as lovasz_hinge
from losslab.losses._segmentation import lovasz_softmax as lovasz_softmax
from losslab.losses._segmentation import mcc as mcc
from losslab.losses._segmentation import tversky as tversky
from losslab.losses._sequence import CTC as CTC
from losslab.losses._sequence import ctc as ctc
from losslab.losses._similarity import Circle as Circle
from losslab.losses._similarity import NTXent as NTXent
from losslab.losses._similarity import circle as circle
from losslab.losses._similarity import ntxent as ntxent

_NOT_LOSSES = (  # the public names that are not losses with a card
    "CombinedLoss",
    "Loss",
    "LossFunctionWrapper",
    "REDUCTIONS",
    "class_balanced_weights",
    "deserialize",
    "get",
    "names",
    "register_loss",
    "serialize",
)

# Function aliases, as Keras exports them (``mse = mean_squared_error``), from the cards.
globals().update({alias: card.function for card in _all_cards() for alias in card.aliases})

__all__ = sorted(  # noqa: PLE0605 - built from the cards, so it cannot drift from them
    {*_NOT_LOSSES} | {name for card in _all_cards() for name in (card.name, card.cls.__name__, *card.aliases)}
)
