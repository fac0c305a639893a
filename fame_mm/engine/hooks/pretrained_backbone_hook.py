"""Initialise a downstream backbone from a FAME pretraining checkpoint."""
from typing import Optional

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import nn

from fame_mm.models.utils import backbone_checkpoint
from fame_mm.models.utils.backbone_checkpoint import BACKBONE_PREFIX


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if is_model_wrapper(model) else model


@HOOKS.register_module()
class PretrainedBackboneHook(Hook):
    """Load the query backbone named by the config's top-level ``pretrained``.

    The checkpoint path is read from ``runner.cfg.pretrained`` when the run
    starts, so ``--cfg-options pretrained=PATH`` works with any tool, and
    ``pretrained=None`` starts from a random initialisation. Only the
    ``backbone.`` tensors are taken (see
    :func:`~fame_mm.models.utils.backbone_checkpoint.load_backbone_weights`);
    the log states how many were loaded and which are missing, and a
    checkpoint with no matching tensor stops the run.

    When it acts:

    * training: before the first iteration, after mmengine's weight init.
      A resumed run (``--resume``) keeps its own weights, and an explicit
      ``load_from`` (a full-model checkpoint) takes precedence.
    * testing: when no checkpoint is given to ``tools/test.py`` (e.g. the
      retrieval protocol evaluates the pretrained backbone directly). With
      neither ``pretrained`` nor a checkpoint the backbone is randomly
      initialised, the baseline of the feature protocols.
    * any checkpoint the runner loads (``load_from``, resume) must provide
      backbone tensors, or the run stops with the reason.

    Args:
        prefix (str): Key prefix of the backbone in the checkpoint.
            Defaults to ``'backbone.'``.
    """

    priority = 'VERY_HIGH'

    def __init__(self, prefix: str = BACKBONE_PREFIX) -> None:
        self.prefix = prefix

    @staticmethod
    def _pretrained(runner) -> Optional[str]:
        return runner.cfg.get('pretrained')

    def _load(self, runner) -> None:
        model = _unwrap(runner.model)
        checkpoint = self._pretrained(runner)
        if checkpoint is None:
            runner.logger.info('pretrained=None: the backbone starts from '
                               'a random initialisation.')
            return
        backbone_checkpoint.load_backbone_weights(model.backbone, checkpoint,
                                                  self.prefix, runner.logger)

    def before_train(self, runner) -> None:
        """Load the pretrained backbone for a fresh training run."""
        if runner.iter > 0:
            runner.logger.info(f'Resumed at iteration {runner.iter}: '
                               'pretrained backbone not loaded again.')
            return
        if runner.cfg.get('load_from'):
            runner.logger.info(
                f'load_from={runner.cfg.load_from} provides the weights; '
                f'pretrained={self._pretrained(runner)} is not loaded.')
            return
        self._load(runner)

    def before_test(self, runner) -> None:
        """Evaluate the pretrained (or a random) backbone when no checkpoint
        was given to the test tool."""
        if runner.cfg.get('load_from'):
            return
        if self._pretrained(runner) is None:
            runner.logger.warning(
                'Neither pretrained nor a checkpoint is set: evaluating a '
                'randomly initialised backbone.')
            _unwrap(runner.model).init_weights()
            return
        self._load(runner)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Check a checkpoint loaded by the runner and drop what the model
        does not have.

        A pretraining checkpoint given to ``tools/test.py`` (retrieval) also
        holds the key encoder, projector and queue; they are removed before
        loading instead of being reported one by one as unexpected keys.
        """
        state_dict = checkpoint.get('state_dict', checkpoint)
        source = runner.cfg.get('load_from') or 'the resumed checkpoint'
        model = _unwrap(runner.model)
        matching = len(
            backbone_checkpoint.matching_backbone_tensors(
                state_dict, model.backbone, source, self.prefix))
        total = len(model.backbone.state_dict())
        model_keys = set(model.state_dict())
        foreign = [name for name in state_dict if name not in model_keys]
        for name in foreign:
            del state_dict[name]
        runner.logger.info(
            f'{source}: {matching}/{total} backbone tensors match the model; '
            f'{len(foreign)} tensors the model does not have are ignored.')
