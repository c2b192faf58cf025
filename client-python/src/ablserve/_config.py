"""Typed session config. The defaults are the server's (``AblConfig.DEFAULTS``, ``AttackConfig.DEFAULTS``);
a test pins them against what the server resolves for an empty request."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Optional

import grpc

from ._docs import with_field_docs
from ._errors import AblError
from ._proto.v1 import session_pb2 as pb

ATTACKS = ("none", "badnets", "blend", "trojan", "sig", "wanet", "cl", "dynamic")
MODELS = ("small_cnn", "wrn_16_1", "resnet_18", "resnet_34")
ISOLATION_LOSSES = ("lga", "flooding")
LOSS_REDUCTIONS = ("per_sample", "batch_mean")
DEFENSES = ("abl", "none", "ft", "fp", "nad", "mcr")
UNLEARNING_MODES = ("gga", "finetune_then_ascent")
RANKINGS = ("global", "per_class")
# Read from the API's own enum, so a signal the proto gains needs no copy here.
ISOLATION_SIGNALS = tuple(name[len("ISOLATION_SIGNAL_"):].lower() for name in pb.IsolationSignal.keys()
                          if name != "ISOLATION_SIGNAL_UNSPECIFIED")
SUSPECT_TREATMENTS = tuple(name[len("SUSPECT_TREATMENT_"):].lower() for name in pb.SuspectTreatment.keys()
                           if name != "SUSPECT_TREATMENT_UNSPECIFIED")
PATCH_CORNERS = ("bottom_right", "bottom_left", "top_left", "top_right")
BLEND_PATTERNS = ("noise", "checkerboard")
LABEL_MODES = ("all_to_one", "all_to_all")


@with_field_docs
@dataclass
class DatasetConfig:
    """A dataset the server knows by name, optionally cut to its first samples."""

    name: Optional[str] = None
    """Server-side dataset name (the server's ``--dataset NAME=PATH`` list, or an uploaded dataset's id); None
    is not sent and means the server's default, fashion-mnist, which the session's resolved config names."""
    train_limit: int = 0
    """Train on the first N training samples only; 0 means all."""
    test_limit: int = 0
    """Evaluate on the first N test samples only; 0 means all."""


@with_field_docs
@dataclass
class AttackConfig:
    """Backdoor poisoning of the training set, all-to-one unless ``label_mode`` says otherwise (the server
    records which samples it poisoned)."""

    kind: str = "badnets"
    """One of "none", "badnets", "blend", "trojan", "sig", "wanet", "cl" (label-consistent: target-class
    images adversarially perturbed, then patched, labels kept), "dynamic" (input-aware: each image's own
    trigger from generators the server trains when it poisons)."""
    target_label: int = 0
    """The attacker's target class; ignored with ``label_mode="all_to_all"``, which has none."""
    poison_rate: float = 0.1
    """Share of the training set poisoned, in (0, 1)."""
    patch_size_px: int = 3
    """BadNets patch side in pixels, >= 1."""
    blend_alpha: float = 0.2
    """Blend opacity, in (0, 1)."""
    sig_amplitude: float = 20.0
    """SIG amplitude in pixel units of 255, in (0, 255]."""
    sig_frequency: int = 6
    """SIG periods across the width, >= 1."""
    wanet_grid_size: int = 4
    """WaNet control grid side, >= 2."""
    wanet_strength: float = 0.5
    """WaNet warping strength, in [0, 10]."""
    wanet_cross_ratio: float = 2.0
    """WaNet noise-mode samples per poisoned sample, in [0, 10]."""
    patch_corner: str = "bottom_right"
    """BadNets: the corner the patch sits in, "bottom_right", "bottom_left", "top_left" or "top_right"."""
    patch_margin_px: int = 1
    """BadNets: pixels between the patch and its corner's two edges, >= 0 (the patch must still fit)."""
    blend_pattern: str = "noise"
    """Blend: the image blended in, "noise" (uniform noise drawn from ``blend_seed``) or "checkerboard" (black
    and white cells of min(height, width) // 8 pixels, a deterministic stand-in for the paper's photo)."""
    blend_seed: int = 1112294734
    """Blend: the seed of the "noise" pattern; one seed gives one pattern, on the training and the test side."""
    label_mode: str = "all_to_one"
    """The poisons' labels: "all_to_one" (the target) or "all_to_all" (class y becomes (y + 1) mod classes,
    on the training and the test side; "badnets", "blend", "trojan", "wanet" and "dynamic" only)."""
    cl_epsilon: Optional[float] = None
    """CL: L-inf bound of the adversarial perturbation in pixel levels of 255, in (0, 255]; None lets the server
    choose by the dataset's images, 8 for colour and 16 for grey (the session's config says which)."""
    cl_step_size: float = 1.5
    """CL: PGD step in pixel levels of 255, in (0, 255]."""
    cl_steps: int = 100
    """CL: PGD steps, in [1, 1000]."""
    cl_surrogate_epochs: int = 2
    """CL: epochs the server's surrogate CNN trains on the clean training set before the perturbation, in
    [1, 50]."""
    cl_all_corners: bool = True
    """CL: the BadNets patch (``patch_size_px``, ``patch_margin_px``) at all four corners, as the CL paper;
    False puts it at ``patch_corner`` alone."""
    dynamic_generator_epochs: int = 2
    """Dynamic: epochs the pattern generator trains with the server's small CNN on the clean training set, in
    [1, 50]."""
    dynamic_mask_epochs: int = 1
    """Dynamic: epochs the mask generator trains alone first, in [0, 50]."""
    dynamic_cross_ratio: float = 1.0
    """Dynamic: cross-mode samples (another image's trigger, true label kept) per poisoned sample, in [0, 10]."""
    dynamic_mask_density: float = 0.032
    """Dynamic: the mean mask value the mask generator may reach, in (0, 1]."""


@with_field_docs
@dataclass
class AblConfig:
    """Anti-Backdoor Learning hyperparameters (Li et al., NeurIPS 2021)."""

    epochs: int = 10
    """Total epochs T (isolation plus unlearning), in [2, 10000]."""
    isolation_epochs: int = 5
    """Turning epoch T_te: epochs of isolation training before ranking, in [1, epochs)."""
    isolation_ratio: float = 0.01
    """Share p of the training set isolated as D_b, in (0, 1)."""
    isolation_loss: str = "lga"
    """"lga" (local gradient ascent, sign(l - gamma) * l) or "flooding" (|l - b| + b)."""
    lga_gamma: float = 0.5
    """LGA threshold gamma, > 0."""
    flooding_level: float = 0.5
    """Flooding level b, > 0."""
    loss_reduction: str = "batch_mean"
    """"batch_mean" (the official code: the sign is taken on the batch-mean loss) or "per_sample" (the paper's
    equation 3)."""
    learning_rate: float = 0.01
    """SGD learning rate of isolation and of the kept set during unlearning, in (0, 10]."""
    unlearning_weight: float = 1.0
    """Weight of the ascent term on the isolated set, > 0."""
    batch_size: int = 128
    """Mini-batch size, in [1, 4096]."""
    momentum: float = 0.9
    """SGD momentum, in [0, 1)."""
    weight_decay: float = 1e-4
    """L2 weight decay, >= 0."""
    step_report_interval: int = 10
    """One step event every N optimiser steps, >= 1."""
    defense: str = "abl"
    """"abl"; "none" for the undefended baseline with the same budget; or the paper's baselines, "ft"
    (plain training, then fine-tuning on the trusted clean subset, :class:`SessionConfig` ``clean_data`` and
    ``fine_tuning``) and "fp" (fine-pruning: plain training, pruning the last conv stage's channels least
    active on the clean subset, then fine-tuning; ``fine_pruning``) and "nad" (neural attention distillation:
    plain training, a teacher fine-tuned on the clean subset, then the model fine-tuned there while matching
    the teacher's attention maps; ``nad``) and "mcr" (mode connectivity repair: plain training, two endpoints
    fine-tuned on the clean subset, a curve between them trained there, and the model set to a point on it;
    ``mcr``)."""
    unlearning_mode: str = "gga"
    """"gga" (the paper) or "finetune_then_ascent" (the official code)."""
    unlearning_learning_rate: Optional[float] = None
    """Learning rate of unlearning; None lets the server choose: learning_rate for "gga", 5e-4 for the
    ascent epochs of "finetune_then_ascent"."""
    ascent_epochs: int = 1
    """"finetune_then_ascent" only: epochs of pure ascent at the end."""
    ranking: str = "per_class"
    """"global" (lowest losses overall) or "per_class" (losses over their class median)."""
    suspect_filtering: bool = False
    """Drop from D_c the likely poisons the ranking missed, after each unlearning (GGA) epoch. Off by default:
    GGA itself raises the loss of clean target-class images, and the filter dropped many of them."""
    augmentation: bool = True
    """Train-time augmentation chosen per dataset; never during ranking or evaluation."""
    isolation_expansion: bool = True
    """The backdoor check at the turning epoch: split each label in two by its penultimate activations and
    weigh the low-loss half's separation, loss gap and the spread of its runner-up classes; confirmed (see :class:`BackdoorVerdict`), D_b becomes the backdoor's cluster and
    GGA unlearns it; not confirmed, nothing is ascended and the session trains plainly from the turning epoch
    (phase "training"). Off, D_b is the ranking's pick, ascended whatever it holds (the paper's recipe)."""
    isolate_early: bool = True
    """Look for the backdoor as soon as the loss gap opens (60% of the set the ranking picks carries one label,
    two epochs in a row) instead of only at isolation_epochs. With isolation_expansion, a backdoor the check
    confirms early is followed: the epochs left train plainly and at isolation_epochs its label is split again
    from the early cluster, so poisons learned since join D_b. Without it, the session turns at once."""
    final_decay_epochs: int = 2
    """The last N epochs of plain training, GGA or fine-tuning run at a tenth of their learning rate."""
    trigger_probe: bool = True
    """With isolation_expansion, at the turn of a confirmed backdoor: score every image of the target label
    for the confirmed set's trigger with a linear classifier on pixels (confirmed set vs the other labels'
    images, 5 folds, trusted only if it recognises 90% of the held-back confirmed set). Images clearly
    above the other labels' scores, and whose content is another label's (most of their nearest images carry
    other labels), are ascended; doubtful ones leave training; confirmed images the pixels or their content do
    not back are not ascended. Figures in each check's ``probe``. bench/RESULTS.md, "the trigger probe"."""
    isolation_signal: str = "loss"
    """What isolation ranks by at the turning epoch (the pick, and where the check's split of each label starts):
    "loss" (the paper), "loss_drop" (mean training loss over the isolation epochs: how fast it fell),
    "transform_sensitivity" (D-ST: how far the activations move under a flip and a shift, against the lower
    quartile of the label), "spectral"
    (spectral signatures within each label) or "combined" (their mean rank). bench/RESULTS.md, "isolation
    signals", measures each."""
    suspect_treatment: str = "pseudo_label"
    """What unlearning does with the backdoor check's suspects (the target label's samples it neither cleared nor
    confirmed, mostly clean images of that class): "drop" (they leave training) or "pseudo_label" (from the second
    unlearning epoch, those the model classifies with probability >= 0.95 train under its label; the semi-
    supervised treatment of DBD and ASD). bench/RESULTS.md, "suspects without their labels"."""


@with_field_docs
@dataclass
class CleanDataConfig:
    """The trusted clean subset the "ft", "fp", "nad" and "mcr" defences fine-tune on: drawn, fixed by the session's seed,
    from the session's training images the attack left untouched, never from the test split. Give ``count``
    or ``fraction``, not both; neither means the server's default, 5% of the training set."""

    count: Optional[int] = None
    """Images in the subset, >= 1."""
    fraction: Optional[float] = None
    """The subset as a share of the session's training set, in (0, 1]."""
    dataset: str = ""
    """The dataset drawn from: "" or the session's own dataset name (the only one served for now)."""


@with_field_docs
@dataclass
class FineTuningConfig:
    """The fine-tuning stage of the "ft", "fp", "nad" and "mcr" defences, after the plain ``abl.epochs`` ("nad":
    the distilled model's epochs, after its teacher's; "mcr": each of its two endpoints' epochs)."""

    epochs: int = 10
    """Epochs of fine-tuning on the clean subset, in [1, 1000]; they are numbered on from abl.epochs."""
    learning_rate: Optional[float] = None
    """The constant fine-tuning learning rate, in (0, 10]; None lets the server choose a tenth of
    abl.learning_rate."""


@with_field_docs
@dataclass
class FinePruningConfig:
    """How far the "fp" defence prunes the last conv stage before fine-tuning."""

    max_accuracy_drop: float = 0.04
    """Pruning stops before the clean subset's accuracy falls more than this below the unpruned model's, in
    [0, 1]."""
    max_prune_ratio: float = 0.9
    """The most of the stage's channels pruned whatever the accuracy, in [0, 1)."""


@with_field_docs
@dataclass
class NadConfig:
    """The "nad" defence's teacher and distillation weight."""

    teacher_epochs: int = 5
    """Epochs of fine-tuning the teacher on the clean subset (at fine_tuning.learning_rate), in [1, 1000],
    before the distilled model's fine_tuning.epochs."""
    beta: float = 10.0
    """The attention term's weight beside the cross-entropy, in [0, 1e6]: beta times the sum, over the last
    conv stage and the one before, of the L2 distance between the model's and the teacher's unit-norm
    attention maps, averaged over the batch."""


@with_field_docs
@dataclass
class McrConfig:
    """The "mcr" defence's curve: a quadratic Bezier curve between its two fine-tuned endpoints, whose middle point
    trains on the clean subset (each step at a random point t of the curve); the model ends at ``t``, its
    BatchNorm statistics recomputed there."""

    curve_epochs: int = 10
    """Epochs of training the curve on the clean subset (at fine_tuning.learning_rate), in [1, 1000], after the
    two endpoints' fine_tuning.epochs each."""
    t: float = 0.4
    """The point of the curve the model ends at, in [0, 1]: 0 and 1 are the endpoints."""


@with_field_docs
@dataclass
class SessionConfig:
    """Everything a session needs. Every field but the ones left None is sent, so the server trains exactly
    what this says; for those it chooses, and the session's resolved config says what it chose."""

    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    attack: AttackConfig = field(default_factory=AttackConfig)
    abl: AblConfig = field(default_factory=AblConfig)
    model: str = "small_cnn"
    """One of "small_cnn", "wrn_16_1", "resnet_18", "resnet_34"."""
    seed: int = 0
    """Seed for poisoning, initialisation and shuffling (a fixed seed, not a random one)."""
    device: str = ""
    """"cpu", "gpu" or "gpu:N"; "" means the server's configured device."""
    display_name: str = ""
    """Free text shown in listings."""
    clean_data: Optional[CleanDataConfig] = None
    """"ft", "fp", "nad" and "mcr" only (the server refuses it for other defences): the trusted clean subset; None
    is not sent and means the server's default, 5% of the training set."""
    fine_tuning: Optional[FineTuningConfig] = None
    """"ft", "fp", "nad" and "mcr" only: the fine-tuning stage; None means the server's defaults."""
    fine_pruning: Optional[FinePruningConfig] = None
    """"fp" only: how far pruning goes; None means the server's defaults."""
    nad: Optional[NadConfig] = None
    """"nad" only: the teacher and the distillation weight; None means the server's defaults."""
    mcr: Optional[McrConfig] = None
    """"mcr" only: the curve's epochs and the point picked on it; None means the server's defaults."""

    def to_proto(self) -> pb.SessionConfig:
        a, abl = self.attack, self.abl
        abl_fields = {f.name: getattr(abl, f.name) for f in dataclasses.fields(abl)}
        if abl_fields["unlearning_learning_rate"] is None:
            del abl_fields["unlearning_learning_rate"]
        for name, enum, values in (
            ("isolation_loss", "ISOLATION_LOSS", ISOLATION_LOSSES),
            ("loss_reduction", "LOSS_REDUCTION", LOSS_REDUCTIONS),
            ("defense", "DEFENSE", DEFENSES),
            ("unlearning_mode", "UNLEARNING_MODE", UNLEARNING_MODES),
            ("ranking", "RANKING", RANKINGS),
            ("isolation_signal", "ISOLATION_SIGNAL", ISOLATION_SIGNALS),
            ("suspect_treatment", "SUSPECT_TREATMENT", SUSPECT_TREATMENTS),
        ):
            abl_fields[name] = _enum_value(f"abl.{name}", enum, abl_fields[name], values)
        msg = pb.SessionConfig(
            display_name=self.display_name,
            dataset=dataset_to_proto(self.dataset),
            attack=attack_to_proto(a),
            model=pb.ModelSpec(arch=_enum_value("model", "MODEL_ARCH", self.model, MODELS)),
            abl=pb.AblConfig(**abl_fields),
            device=self.device,
            seed=self.seed,
        )
        if self.clean_data is not None:
            msg.clean_data.CopyFrom(clean_data_to_proto(self.clean_data))
        if self.fine_tuning is not None:
            msg.fine_tuning.CopyFrom(pb.FineTuning(**_set_fields(self.fine_tuning)))
        if self.fine_pruning is not None:
            msg.fine_pruning.CopyFrom(pb.FinePruning(**_set_fields(self.fine_pruning)))
        if self.nad is not None:
            msg.nad.CopyFrom(pb.NeuralAttentionDistillation(**_set_fields(self.nad)))
        if self.mcr is not None:
            msg.mcr.CopyFrom(pb.ModeConnectivity(**_set_fields(self.mcr)))
        return msg

    @classmethod
    def from_proto(cls, msg: pb.SessionConfig) -> SessionConfig:
        """The config as the server resolved it (every default filled)."""
        def values(dc, m, enums):
            out = {}
            present = {d.name for d, _ in m.ListFields()}  # an empty string counts as unset, as in to_proto
            for f in dataclasses.fields(dc):
                if f.default is None and f.name not in present:
                    out[f.name] = None
                    continue
                v = getattr(m, f.name)
                if f.name in enums:
                    v = _enum_name(enums[f.name], v)
                out[f.name] = v
            return dc(**out)

        return cls(
            dataset=values(DatasetConfig, msg.dataset, {}),
            attack=values(AttackConfig, msg.attack, {"kind": "ATTACK_KIND", "patch_corner": "PATCH_CORNER",
                                                     "blend_pattern": "BLEND_PATTERN",
                                                     "label_mode": "LABEL_MODE"}),
            abl=values(AblConfig, msg.abl, {
                "isolation_loss": "ISOLATION_LOSS", "loss_reduction": "LOSS_REDUCTION", "defense": "DEFENSE",
                "unlearning_mode": "UNLEARNING_MODE", "ranking": "RANKING",
                "isolation_signal": "ISOLATION_SIGNAL", "suspect_treatment": "SUSPECT_TREATMENT"}),
            model=_enum_name("MODEL_ARCH", msg.model.arch),
            seed=msg.seed,
            device=msg.device,
            display_name=msg.display_name,
            clean_data=(CleanDataConfig(
                count=msg.clean_data.count if msg.clean_data.HasField("count") else None,
                fraction=msg.clean_data.fraction if msg.clean_data.HasField("fraction") else None,
                dataset=msg.clean_data.dataset) if msg.HasField("clean_data") else None),
            fine_tuning=values(FineTuningConfig, msg.fine_tuning, {}) if msg.HasField("fine_tuning") else None,
            fine_pruning=(values(FinePruningConfig, msg.fine_pruning, {})
                          if msg.HasField("fine_pruning") else None),
            nad=values(NadConfig, msg.nad, {}) if msg.HasField("nad") else None,
            mcr=values(McrConfig, msg.mcr, {}) if msg.HasField("mcr") else None,
        )


def clean_data_to_proto(c: CleanDataConfig) -> pb.CleanData:
    """``c`` as sent: count or fraction, whichever is set (AblError INVALID_ARGUMENT for both)."""
    if c.count is not None and c.fraction is not None:
        raise AblError(grpc.StatusCode.INVALID_ARGUMENT,
                       "clean_data takes count or fraction, not both")
    return pb.CleanData(**_set_fields(c))


def _set_fields(dc) -> dict:
    """``dc``'s fields that are not None: unset means the server's default."""
    return {f.name: getattr(dc, f.name) for f in dataclasses.fields(dc) if getattr(dc, f.name) is not None}


def dataset_to_proto(d: DatasetConfig) -> pb.DatasetSpec:
    """``d``'s fields, the name only when set: an empty name means the server's default."""
    fields = {f.name: getattr(d, f.name) for f in dataclasses.fields(d)}
    if fields["name"] is None:
        del fields["name"]
    return pb.DatasetSpec(**fields)


def attack_to_proto(a: AttackConfig) -> pb.AttackSpec:
    """Every field of ``a`` but ``cl_epsilon`` when None (AblError INVALID_ARGUMENT for an unknown kind)."""
    fields = {f.name: getattr(a, f.name) for f in dataclasses.fields(a)}
    fields["kind"] = _enum_value("attack.kind", "ATTACK_KIND", a.kind, ATTACKS)
    fields["patch_corner"] = _enum_value("attack.patch_corner", "PATCH_CORNER", a.patch_corner, PATCH_CORNERS)
    fields["blend_pattern"] = _enum_value("attack.blend_pattern", "BLEND_PATTERN", a.blend_pattern, BLEND_PATTERNS)
    fields["label_mode"] = _enum_value("attack.label_mode", "LABEL_MODE", a.label_mode, LABEL_MODES)
    if fields["cl_epsilon"] is None:
        del fields["cl_epsilon"]
    return pb.AttackSpec(**fields)


def _enum_value(field_name: str, prefix: str, value: str, allowed: tuple) -> int:
    if value not in allowed:
        raise AblError(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"{field_name} must be one of {', '.join(repr(a) for a in allowed)}, got {value!r}")
    return getattr(pb, f"{prefix}_{value.upper()}")


def _enum_name(prefix: str, number: int) -> str:
    from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

    wrapper: EnumTypeWrapper = getattr(pb, "".join(p.capitalize() for p in prefix.split("_")))
    try:
        return wrapper.Name(number)[len(prefix) + 1:].lower()
    except ValueError:  # a value added to the server's API after these stubs were generated
        return str(number)
