"""Typed session config, mapped field by field onto the API's messages (session.proto). A field left None is not
sent: the server applies its own default (``AblConfig.DEFAULTS``, ``AttackConfig.DEFAULTS`` on the server), so a
changed server default reaches every client unedited, and the session's config (``session.config``, resolved by
the server) says which value it used. Choices (attack kinds, defences...) are the API enums' names."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import grpc
from google.protobuf.descriptor import EnumDescriptor

from ._docs import with_field_docs
from ._errors import AblError
from ._proto.v1 import session_pb2 as pb


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
    records which samples it poisoned). Every field left None is the server's default."""

    kind: Optional[str] = None
    """One of "none", "badnets", "blend", "trojan", "sig", "wanet", "cl" (label-consistent: target-class
    images adversarially perturbed, then patched, labels kept), "dynamic" (input-aware: each image's own
    trigger from generators the server trains when it poisons); any case, "_" or "-". Server default: badnets."""
    target_label: Optional[int] = None
    """The attacker's target class; ignored with ``label_mode="all_to_all"``, which has none. Server default: 0."""
    poison_rate: Optional[float] = None
    """Share of the training set poisoned, in (0, 1). Server default: 0.1."""
    patch_size_px: Optional[int] = None
    """BadNets patch side in pixels, >= 1. Server default: 3."""
    blend_alpha: Optional[float] = None
    """Blend opacity, in (0, 1). Server default: 0.2."""
    sig_amplitude: Optional[float] = None
    """SIG amplitude in pixel units of 255, in (0, 255]. Server default: 20."""
    sig_frequency: Optional[int] = None
    """SIG periods across the width, >= 1. Server default: 6."""
    wanet_grid_size: Optional[int] = None
    """WaNet control grid side, >= 2. Server default: 4."""
    wanet_strength: Optional[float] = None
    """WaNet warping strength, in [0, 10]. Server default: 0.5."""
    wanet_cross_ratio: Optional[float] = None
    """WaNet noise-mode samples per poisoned sample, in [0, 10]. Server default: 2."""
    patch_corner: Optional[str] = None
    """BadNets: the corner the patch sits in, "bottom_right", "bottom_left", "top_left" or "top_right". Server
    default: bottom_right."""
    patch_margin_px: Optional[int] = None
    """BadNets: pixels between the patch and its corner's two edges, >= 0 (the patch must still fit). Server
    default: 1."""
    blend_pattern: Optional[str] = None
    """Blend: the image blended in, "noise" (uniform noise drawn from ``blend_seed``) or "checkerboard" (black
    and white cells of min(height, width) // 8 pixels, a deterministic stand-in for the paper's photo). Server
    default: noise."""
    blend_seed: Optional[int] = None
    """Blend: the seed of the "noise" pattern; one seed gives one pattern, on the training and the test side.
    Server default: 1112294734."""
    label_mode: Optional[str] = None
    """The poisons' labels: "all_to_one" (the target) or "all_to_all" (class y becomes (y + 1) mod classes,
    on the training and the test side; "badnets", "blend", "trojan", "wanet" and "dynamic" only). Server
    default: all_to_one."""
    cl_epsilon: Optional[float] = None
    """CL: L-inf bound of the adversarial perturbation in pixel levels of 255, in (0, 255]. Server default: by
    the dataset's images, 8 for colour and 16 for grey (the session's config says which)."""
    cl_step_size: Optional[float] = None
    """CL: PGD step in pixel levels of 255, in (0, 255]. Server default: 1.5."""
    cl_steps: Optional[int] = None
    """CL: PGD steps, in [1, 1000]. Server default: 100."""
    cl_surrogate_epochs: Optional[int] = None
    """CL: epochs the server's surrogate CNN trains on the clean training set before the perturbation, in
    [1, 50]. Server default: 2."""
    cl_all_corners: Optional[bool] = None
    """CL: the BadNets patch (``patch_size_px``, ``patch_margin_px``) at all four corners, as the CL paper;
    False puts it at ``patch_corner`` alone. Server default: True."""
    dynamic_generator_epochs: Optional[int] = None
    """Dynamic: epochs the pattern generator trains with the server's small CNN on the clean training set, in
    [1, 50]. Server default: 2."""
    dynamic_mask_epochs: Optional[int] = None
    """Dynamic: epochs the mask generator trains alone first, in [0, 50]. Server default: 1."""
    dynamic_cross_ratio: Optional[float] = None
    """Dynamic: cross-mode samples (another image's trigger, true label kept) per poisoned sample, in [0, 10].
    Server default: 1."""
    dynamic_mask_density: Optional[float] = None
    """Dynamic: the mean mask value the mask generator may reach, in (0, 1]. Server default: 0.032."""


@with_field_docs
@dataclass
class AblConfig:
    """Anti-Backdoor Learning hyperparameters (Li et al., NeurIPS 2021). Every field left None is the server's
    default."""

    epochs: Optional[int] = None
    """Total epochs T (isolation plus unlearning), in [2, 10000]. Server default: 10."""
    isolation_epochs: Optional[int] = None
    """Turning epoch T_te: epochs of isolation training before ranking, in [1, epochs). Server default: 5."""
    isolation_ratio: Optional[float] = None
    """Share p of the training set isolated as D_b, in (0, 1). Server default: 0.01."""
    isolation_loss: Optional[str] = None
    """"lga" (local gradient ascent, sign(l - gamma) * l) or "flooding" (|l - b| + b). Server default: lga."""
    lga_gamma: Optional[float] = None
    """LGA threshold gamma, > 0. Server default: 0.5."""
    flooding_level: Optional[float] = None
    """Flooding level b, > 0. Server default: 0.5."""
    loss_reduction: Optional[str] = None
    """"batch_mean" (the official code: the sign is taken on the batch-mean loss) or "per_sample" (the paper's
    equation 3). Server default: batch_mean."""
    learning_rate: Optional[float] = None
    """SGD learning rate of isolation and of the kept set during unlearning, in (0, 10]. Server default: 0.01."""
    unlearning_weight: Optional[float] = None
    """Weight of the ascent term on the isolated set, > 0. Server default: 1."""
    batch_size: Optional[int] = None
    """Mini-batch size, in [1, 4096]. Server default: 128."""
    momentum: Optional[float] = None
    """SGD momentum, in [0, 1). Server default: 0.9."""
    weight_decay: Optional[float] = None
    """L2 weight decay, >= 0. Server default: 1e-4."""
    step_report_interval: Optional[int] = None
    """One step event every N optimiser steps, >= 1. Server default: 10."""
    defense: Optional[str] = None
    """"abl"; "none" for the undefended baseline with the same budget; or the paper's baselines, "ft"
    (plain training, then fine-tuning on the trusted clean subset, :class:`SessionConfig` ``clean_data`` and
    ``fine_tuning``) and "fp" (fine-pruning: plain training, pruning the last conv stage's channels least
    active on the clean subset, then fine-tuning; ``fine_pruning``) and "nad" (neural attention distillation:
    plain training, a teacher fine-tuned on the clean subset, then the model fine-tuned there while matching
    the teacher's attention maps; ``nad``) and "mcr" (mode connectivity repair: plain training, two endpoints
    fine-tuned on the clean subset, a curve between them trained there, and the model set to a point on it;
    ``mcr``). Server default: abl."""
    unlearning_mode: Optional[str] = None
    """"gga" (the paper) or "finetune_then_ascent" (the official code). Server default: gga."""
    unlearning_learning_rate: Optional[float] = None
    """Learning rate of unlearning. Server default: learning_rate for "gga", 5e-4 for the ascent epochs of
    "finetune_then_ascent"."""
    ascent_epochs: Optional[int] = None
    """"finetune_then_ascent" only: epochs of pure ascent at the end. Server default: 1."""
    ranking: Optional[str] = None
    """"global" (lowest losses overall) or "per_class" (losses over their class median). Server default:
    per_class."""
    suspect_filtering: Optional[bool] = None
    """Drop from D_c the likely poisons the ranking missed, after each unlearning (GGA) epoch. Server default:
    False, as GGA itself raises the loss of clean target-class images, and the filter dropped many of them."""
    augmentation: Optional[bool] = None
    """Train-time augmentation chosen per dataset; never during ranking or evaluation. Server default: True."""
    isolation_expansion: Optional[bool] = None
    """The backdoor check at the turning epoch: split each label in two by its penultimate activations and
    weigh the low-loss half's separation, loss gap and the spread of its runner-up classes; confirmed (see :class:`BackdoorVerdict`), D_b becomes the backdoor's cluster and
    GGA unlearns it; not confirmed, nothing is ascended and the session trains plainly (see
    ``retrain_unconfirmed``). Off, D_b is the ranking's pick, ascended whatever it holds (the paper's recipe). Server
    default: True."""
    isolate_early: Optional[bool] = None
    """Look for the backdoor as soon as the loss gap opens (60% of the set the ranking picks carries one label,
    two epochs in a row) instead of only at isolation_epochs. With isolation_expansion, a backdoor the check
    confirms early is followed: the epochs left train plainly and at isolation_epochs its label is split again
    from the early cluster, so poisons learned since join D_b. Without it, the session turns at once. Server
    default: True."""
    final_decay_epochs: Optional[int] = None
    """The last N epochs of plain training, GGA or fine-tuning run at a tenth of their learning rate. Server
    default: 2."""
    trigger_probe: Optional[bool] = None
    """With isolation_expansion, at the turn of a confirmed backdoor: score every image of the target label
    for the confirmed set's trigger with a linear classifier on pixels (confirmed set vs the other labels'
    images, 5 folds, trusted only if it recognises 90% of the held-back confirmed set). Images clearly
    above the other labels' scores, and whose content is another label's (most of their nearest images carry
    other labels), are ascended; doubtful ones leave training; confirmed images the pixels or their content do
    not back are not ascended. Figures in each check's ``probe``. bench/RESULTS.md, "the trigger probe". Server
    default: True."""
    isolation_signal: Optional[str] = None
    """What isolation ranks by at the turning epoch (the pick, and where the check's split of each label starts):
    "loss" (the paper), "loss_drop" (mean training loss over the isolation epochs: how fast it fell),
    "transform_sensitivity" (D-ST: how far the activations move under a flip and a shift, against the lower
    quartile of the label), "spectral"
    (spectral signatures within each label) or "combined" (their mean rank). bench/RESULTS.md, "isolation
    signals", measures each. Server default: loss."""
    suspect_treatment: Optional[str] = None
    """What unlearning does with the backdoor check's suspects (the target label's samples it neither cleared nor
    confirmed, mostly clean images of that class): "drop" (they leave training) or "pseudo_label" (from the second
    unlearning epoch, those the model classifies with probability >= 0.95 train under its label; the semi-
    supervised treatment of DBD and ASD). bench/RESULTS.md, "suspects without their labels". Server default:
    pseudo_label."""
    retrain_unconfirmed: Optional[bool] = None
    """With isolation_expansion, when the check confirms no backdoor at the turning epoch: the model goes back to
    its initial weights and trains plainly for ``epochs`` epochs, numbered on from the turn (phase
    "retraining"), so the session ends exactly as the "none" defence with the same seed: the unaugmented
    isolation epochs leave no trace (they raised the Dynamic attack's ASR from 25.5% to 47.3%). Costs
    isolation_epochs more epochs when nothing is confirmed. False: train on from the isolation model (phase
    "training"). bench/RESULTS.md, "retraining when nothing is confirmed". Server default: True."""


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

    epochs: Optional[int] = None
    """Epochs of fine-tuning on the clean subset, in [1, 1000]; they are numbered on from abl.epochs. Server
    default: 10."""
    learning_rate: Optional[float] = None
    """The constant fine-tuning learning rate, in (0, 10]. Server default: a tenth of abl.learning_rate."""


@with_field_docs
@dataclass
class FinePruningConfig:
    """How far the "fp" defence prunes the last conv stage before fine-tuning."""

    max_accuracy_drop: Optional[float] = None
    """Pruning stops before the clean subset's accuracy falls more than this below the unpruned model's, in
    [0, 1]. Server default: 0.04."""
    max_prune_ratio: Optional[float] = None
    """The most of the stage's channels pruned whatever the accuracy, in [0, 1). Server default: 0.9."""


@with_field_docs
@dataclass
class NadConfig:
    """The "nad" defence's teacher, distillation weight and distilled layers."""

    teacher_epochs: Optional[int] = None
    """Epochs of fine-tuning the teacher on the clean subset (at fine_tuning.learning_rate), in [1, 1000],
    before the distilled model's fine_tuning.epochs. Server default: 5."""
    beta: Optional[float] = None
    """The attention term's weight beside the cross-entropy, in [0, 1e6]: beta times the sum, over the last
    conv stage and the one before, of the L2 distance between the model's and the teacher's unit-norm
    attention maps, averaged over the batch. Server default: 10."""
    layers: Optional[List[str]] = None
    """The layers distilled, by the model's tap names, in any order, each once: "small_cnn" conv1, conv2,
    last_conv_stage; "wrn_16_1" stem, group1, group2, group3, last_conv_stage; "resnet_18" and "resnet_34" stem,
    stage1 to stage4, last_conv_stage (the layer the "fp" defence prunes). None or empty: the model's last conv
    stage and the stage before it (conv1, group2 or stage3 with last_conv_stage), which the resolved config
    names. A name the model lacks is AblError INVALID_ARGUMENT, listing its taps."""


@with_field_docs
@dataclass
class McrConfig:
    """The "mcr" defence's curve: a quadratic Bezier curve between its two fine-tuned endpoints, whose middle point
    trains on the clean subset (each step at a random point t of the curve); the model ends at ``t``, its
    BatchNorm statistics recomputed there."""

    curve_epochs: Optional[int] = None
    """Epochs of training the curve on the clean subset (at fine_tuning.learning_rate), in [1, 1000], after the
    two endpoints' fine_tuning.epochs each. Server default: 10."""
    t: Optional[float] = None
    """The point of the curve the model ends at, in [0, 1]: 0 and 1 are the endpoints. Server default: 0.4."""


@with_field_docs
@dataclass
class SessionConfig:
    """Everything a session needs. Only the fields set (not None) are sent; the server chooses the others, and
    the session's resolved config (``session.config``) says what it chose."""

    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    attack: AttackConfig = field(default_factory=AttackConfig)
    abl: AblConfig = field(default_factory=AblConfig)
    model: Optional[str] = None
    """One of "small_cnn", "wrn_16_1", "resnet_18", "resnet_34"; any case, "_" or "-". Server default:
    small_cnn."""
    seed: Optional[int] = None
    """Seed for poisoning, initialisation and shuffling. Server default: 0 (a fixed seed, not a random one)."""
    device: str = ""
    """"cpu", "gpu" or "gpu:N"; "" means the server's configured device. On a server with worker
    slots, the slots the session may take: "gpu" any GPU slot, "gpu:N" GPU N's, "" any slot."""
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
    """"nad" only: the teacher, the distillation weight and the layers distilled; None means the server's
    defaults."""
    mcr: Optional[McrConfig] = None
    """"mcr" only: the curve's epochs and the point picked on it; None means the server's defaults."""

    def to_proto(self) -> pb.SessionConfig:
        """The request's config: the fields set, enum names mapped to the API's values (AblError
        INVALID_ARGUMENT, naming the field and its choices, for an unknown name)."""
        msg = pb.SessionConfig(
            display_name=self.display_name,
            dataset=dataset_to_proto(self.dataset),
            attack=attack_to_proto(self.attack),
            abl=_message(self.abl, pb.AblConfig, "abl"),
            device=self.device,
        )
        if self.model is not None:
            msg.model.arch = _enum_number("model", pb.ModelSpec.DESCRIPTOR.fields_by_name["arch"].enum_type,
                                          self.model)
        if self.seed is not None:
            msg.seed = self.seed
        if self.clean_data is not None:
            msg.clean_data.CopyFrom(clean_data_to_proto(self.clean_data))
        for name, message in _DEFENSE_MESSAGES.items():
            if getattr(self, name) is not None:
                getattr(msg, name).CopyFrom(_message(getattr(self, name), message, name))
        return msg

    @classmethod
    def from_proto(cls, msg: pb.SessionConfig) -> SessionConfig:
        """The config a message carries: as the server resolved it (every default filled, the fields a session
        does not use left None), or as a request (its unset fields None)."""
        return cls(
            dataset=_dataclass(DatasetConfig, msg.dataset),
            attack=_dataclass(AttackConfig, msg.attack),
            abl=_dataclass(AblConfig, msg.abl),
            model=_enum_name(pb.ModelSpec.DESCRIPTOR.fields_by_name["arch"].enum_type, msg.model.arch),
            seed=msg.seed if msg.HasField("seed") else None,
            device=msg.device,
            display_name=msg.display_name,
            clean_data=_dataclass(CleanDataConfig, msg.clean_data) if msg.HasField("clean_data") else None,
            **{name: _dataclass(_DEFENSE_CONFIGS[name], getattr(msg, name)) if msg.HasField(name) else None
               for name in _DEFENSE_MESSAGES},
        )


# SessionConfig's baseline-defence sections: the message each is sent as, and its dataclass.
_DEFENSE_MESSAGES = {"fine_tuning": pb.FineTuning, "fine_pruning": pb.FinePruning,
                     "nad": pb.NeuralAttentionDistillation, "mcr": pb.ModeConnectivity}
_DEFENSE_CONFIGS = {"fine_tuning": FineTuningConfig, "fine_pruning": FinePruningConfig, "nad": NadConfig,
                    "mcr": McrConfig}


def clean_data_to_proto(c: CleanDataConfig) -> pb.CleanData:
    """``c`` as sent: count or fraction, whichever is set (AblError INVALID_ARGUMENT for both)."""
    if c.count is not None and c.fraction is not None:
        raise AblError(grpc.StatusCode.INVALID_ARGUMENT,
                       "clean_data takes count or fraction, not both")
    return _message(c, pb.CleanData, "clean_data")


def dataset_to_proto(d: DatasetConfig) -> pb.DatasetSpec:
    """``d``'s fields, the name only when set: an empty name means the server's default."""
    return _message(d, pb.DatasetSpec, "dataset")


def attack_to_proto(a: AttackConfig) -> pb.AttackSpec:
    """The fields of ``a`` that are set (AblError INVALID_ARGUMENT for an unknown kind, corner, pattern or
    label mode)."""
    return _message(a, pb.AttackSpec, "attack")


def choices(field_path: str) -> Tuple[str, ...]:
    """The names an enum-valued config field takes, in the API's order, e.g. ``choices("attack.kind")``:
    read from the API's enum, so a value the proto gains needs no edit here."""
    return _names(_enum_of(field_path))


def canonical(field_path: str, value: str) -> str:
    """``value`` as the client names it ("BadNets", "small-cnn" -> "badnets", "small_cnn"); AblError
    INVALID_ARGUMENT, naming the field and its choices, for an unknown one."""
    enum = _enum_of(field_path)
    return _enum_name(enum, _enum_number(field_path, enum, value))


def is_choice(field_path: str) -> bool:
    """Whether ``field_path`` ("attack.kind", "abl.epochs", "model") is enum-valued in the API."""
    try:
        return _enum_of(field_path) is not None
    except (KeyError, ValueError):  # no such section or field
        return False


def _enum_of(field_path: str) -> Optional[EnumDescriptor]:
    if field_path == "model":
        return pb.ModelSpec.DESCRIPTOR.fields_by_name["arch"].enum_type
    part, name = field_path.split(".")
    message = {"attack": pb.AttackSpec, "abl": pb.AblConfig}[part]
    return message.DESCRIPTOR.fields_by_name[name].enum_type


def _message(dc, message, path: str):
    """``dc``'s fields that are not None as ``message``, each enum field mapped by name."""
    values = {}
    for f in dataclasses.fields(dc):
        value = getattr(dc, f.name)
        if value is None:
            continue
        enum = message.DESCRIPTOR.fields_by_name[f.name].enum_type
        values[f.name] = value if enum is None else _enum_number(f"{path}.{f.name}", enum, value)
    return message(**values)


def _dataclass(dc_type, m):
    """``m`` as ``dc_type``: a field the message leaves unset (absent, or an enum's UNSPECIFIED) is None where
    ``dc_type`` defaults it to None; fields without presence (limits, names) keep the message's value."""
    present = {d.name for d, _ in m.ListFields()}
    values = {}
    for f in dataclasses.fields(dc_type):
        if f.default is None and f.name not in present:
            values[f.name] = None
            continue
        descriptor = m.DESCRIPTOR.fields_by_name[f.name]
        value = getattr(m, f.name)
        if descriptor.is_repeated:  # a plain list, not the message's container
            values[f.name] = list(value)
            continue
        values[f.name] = value if descriptor.enum_type is None else _enum_name(descriptor.enum_type, value)
    return dc_type(**values)


def _prefix(enum: EnumDescriptor) -> str:
    return enum.values_by_number[0].name[:-len("UNSPECIFIED")]  # ATTACK_KIND_UNSPECIFIED -> ATTACK_KIND_


def _names(enum: EnumDescriptor) -> Tuple[str, ...]:
    prefix = _prefix(enum)
    return tuple(v.name[len(prefix):].lower() for v in enum.values if v.number != 0)


def _enum_number(field_path: str, enum: EnumDescriptor, value: str) -> int:
    """The API value named ``value`` (the enum's name less its prefix, any case, "_" or "-")."""
    key = value.strip().upper().replace("-", "_") if isinstance(value, str) else None
    found = enum.values_by_name.get(_prefix(enum) + key) if key else None
    if found is None or found.number == 0:
        raise AblError(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"{field_path} must be one of {', '.join(repr(n) for n in _names(enum))}, got {value!r}")
    return found.number


def _enum_name(enum: EnumDescriptor, number: int) -> Optional[str]:
    """The client's name of an API value; None for UNSPECIFIED (unset), the number as text for a value added to
    the server's API after these stubs were generated."""
    if number == 0:
        return None
    found = enum.values_by_number.get(number)
    return found.name[len(_prefix(enum)):].lower() if found is not None else str(number)
