"""Device-side preparation of contrastive video batches."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmengine.model import BaseDataPreprocessor
from torch import Tensor, nn

# Kinetics-400 RGB statistics on the [0, 1] scale (docs/method.md §3.4).
KINETICS_MEAN = (0.43216, 0.394666, 0.37645)
KINETICS_STD = (0.22803, 0.22145, 0.216989)


def _build_augments(cfgs: Optional[Sequence[Union[dict, nn.Module]]]
                    ) -> nn.ModuleList:
    return nn.ModuleList(
        cfg if isinstance(cfg, nn.Module) else MODELS.build(cfg)
        for cfg in (cfgs or []))


@MODELS.register_module()
class ContrastiveDataPreprocessor(BaseDataPreprocessor):
    """Turn packed uint8 views into normalised, augmented float batches.

    Steps, all on the training device (the loader only ships uint8, 4x fewer
    bytes than float32):

    1. uint8 ``B x V x 3 x T x H x W`` -> float in [0, 1] (float input is
       taken to be in [0, 1] already).
    1b. With ``crop``: per-clip RandomResizedCrop + Resize + Flip of every
       view (:class:`~fame_mm.models.augments.ClipRandomResizedCrop`, one
       ``grid_sample`` for the batch), for loaders that only decode. Samples
       of different frame sizes are zero-padded to a batch and cropped
       inside their own frame.
    2. Training only: ``blending`` (an mmaction2 batch blending such as
       ``FAMEBlending`` for supervised finetuning) on the [0, 1] views,
       with the data samples (labels).
    3. Training only: ``query_augments`` (FAME) on view 0, the query view.
    4. Training only: ``batch_augments`` (colour augmentation) on all views,
       with parameters drawn per clip.
    5. Normalisation with ``mean`` / ``std`` (on the [0, 1] scale).

    All of it runs in float32, also inside an autocast region (mmengine's
    ``AmpOptimWrapper`` runs the preprocessor in one); the model's forward
    then casts as autocast decides.

    Each step is listed in the config: ``query_augments=[]`` gives the plain
    MoCo baseline, ``query_augments=[dict(type='FAME', beta=0.3)]`` changes
    FAME's parameters.

    Args:
        mean (Sequence[float]): Per-channel mean on the [0, 1] scale.
            Defaults to the Kinetics-400 mean.
        std (Sequence[float]): Per-channel std on the [0, 1] scale.
            Defaults to the Kinetics-400 std.
        query_augments (list[dict]): Batch augmentations of the query view,
            built from ``MODELS`` (e.g. ``dict(type='FAME')``).
        batch_augments (list[dict]): Batch augmentations of every view
            (e.g. ``dict(type='ClipColorAugment')``).
        blending (dict, optional): An mmaction2 ``BaseMiniBatchBlending``
            (``dict(type='FAMEBlending')``), called as
            ``blending(views, data_samples)`` on ``B x V x 3 x T x H x W``
            RGB in [0, 1] (before colour augmentation and normalisation, so
            ``FAMEBlending`` needs no ``mean`` / ``std`` here).
        crop (dict, optional): Device-side crop of every view, e.g.
            ``dict(type='ClipRandomResizedCrop', size=224)``; the loader's
            pipeline then stops after decoding. Applied in training and
            evaluation alike. Default None: the loader crops.
        decoder (dict, optional): Decode in this (the main) process, e.g.
            ``dict(backend='torchcodec', device='cuda')`` for NVDEC; the
            loader then packs frame indices (``PackFrameIndices``) and
            ``crop`` must be set. Keys: ``backend``, ``device`` (``'cuda'``:
            the preprocessor's device), ``num_threads``. Default None: the
            loader decodes.
    """

    def __init__(self,
                 mean: Sequence[float] = KINETICS_MEAN,
                 std: Sequence[float] = KINETICS_STD,
                 query_augments: Optional[List[dict]] = None,
                 batch_augments: Optional[List[dict]] = None,
                 blending: Optional[dict] = None,
                 crop: Optional[Union[dict, nn.Module]] = None,
                 decoder: Optional[dict] = None) -> None:
        super().__init__(non_blocking=True)
        if decoder is not None and crop is None:
            raise ValueError('ContrastiveDataPreprocessor(decoder=...) '
                             'decodes whole frames: set crop=dict(type='
                             '"ClipRandomResizedCrop", size=...) as well')
        self.decoder = dict(decoder) if decoder is not None else None
        self.register_buffer('mean',
                             torch.tensor(mean).view(1, 3, 1, 1, 1), False)
        self.register_buffer('std',
                             torch.tensor(std).view(1, 3, 1, 1, 1), False)
        self.query_augments = _build_augments(query_augments)
        self.batch_augments = _build_augments(batch_augments)
        self.blending = None if blending is None else MODELS.build(blending)
        self.crop = (_build_augments([crop])[0] if crop is not None else None)

    @staticmethod
    def pad_views(inputs: List[Tensor]) -> Tuple[Tensor, Tensor]:
        """Stack samples of different frame sizes, zero-padded.

        Args:
            inputs (list[Tensor]): ``B`` tensors ``V x 3 x T x H_i x W_i``.

        Returns:
            tuple[Tensor, Tensor]: ``B x V x 3 x T x H x W`` (the largest
            size) and the ``B x 2`` (height, width) of each sample.
        """
        sizes = torch.tensor([tuple(x.shape[-2:]) for x in inputs])
        height, width = sizes.max(0).values.tolist()
        padded = [
            F.pad(x, (0, width - x.shape[-1], 0, height - x.shape[-2]))
            for x in inputs
        ]
        return torch.stack(padded), sizes

    @staticmethod
    def stack_views(inputs: Union[Tensor, List[Tensor]]) -> Tensor:
        """Stack samples into ``B x V x 3 x T x H x W``.

        Args:
            inputs (Tensor | list[Tensor]): ``B`` tensors of shape
                ``V x 3 x T x H x W`` (or ``3 x T x H x W`` for one view), or
                one stacked tensor.

        Returns:
            Tensor: ``B x V x 3 x T x H x W``.
        """
        batch = inputs if isinstance(inputs, Tensor) else torch.stack(
            list(inputs))
        if batch.dim() == 5:  # one view per sample
            batch = batch.unsqueeze(1)
        if batch.dim() != 6 or batch.shape[2] != 3:
            raise ValueError(
                'ContrastiveDataPreprocessor expects clips of shape '
                'B x V x 3 x T x H x W (pack with FormatShape("NCTHW") and '
                f'PackActionInputs), got {tuple(batch.shape)}')
        return batch

    def decode(self, data: dict) -> List[Tensor]:
        """Decode the packed frame indices of every sample, here.

        Args:
            data (dict): ``inputs``: ``B`` int64 tensors of frame indices
                (``PackFrameIndices``); ``data_samples`` with the metainfo
                ``filename``, ``num_clips``, ``clip_len``.

        Returns:
            list[Tensor]: ``B`` uint8 tensors ``V x 3 x T x H x W`` on the
            decoder's device.
        """
        from fame_mm.datasets.video_readers import VideoReadError, open_video
        device = self.decoder.get('device', 'cpu')
        if device == 'cuda':
            device = str(self.mean.device)
        clips = []
        for inds, sample in zip(data['inputs'], data['data_samples']):
            filename = sample.metainfo['filename']
            inds = torch.as_tensor(inds).cpu()
            unique, positions = torch.unique(inds, return_inverse=True)
            try:
                reader = open_video(filename,
                                    self.decoder.get('backend', 'torchcodec'),
                                    self.decoder.get('num_threads', 1), device)
                frames = torch.as_tensor(reader.get_frames(unique.numpy()))
            except Exception as err:
                raise VideoReadError(
                    f'Cannot decode {filename} in the data preprocessor '
                    f'({err})') from err
            frames = frames.to(self.mean.device)[positions.to(
                self.mean.device)]
            clips.append(
                frames.view(sample.metainfo['num_clips'],
                            sample.metainfo['clip_len'],
                            *frames.shape[1:]).permute(0, 4, 1, 2, 3))
        return clips

    def crop_views(self,
                   views: Tensor,
                   sizes: Optional[Tensor] = None) -> Tensor:
        """Crop, resize and flip every view with its own box.

        Args:
            views (Tensor): ``B x V x 3 x T x H x W`` float.
            sizes (Tensor, optional): ``B x 2`` valid (height, width) per
                sample of a padded batch.

        Returns:
            Tensor: ``B x V x 3 x T x h x w`` with the crop's size.
        """
        batch, num_views = views.shape[:2]
        if sizes is not None:
            sizes = sizes.to(views.device).repeat_interleave(num_views, 0)
        flat = self.crop(views.flatten(0, 1), sizes)
        return flat.view(batch, num_views, *flat.shape[1:])

    def augment(self, views: Tensor) -> Tensor:
        """Apply the training augmentations.

        Args:
            views (Tensor): ``B x V x 3 x T x H x W`` float in [0, 1]; view 0
                is the query view.

        Returns:
            Tensor: Same shape, augmented.
        """
        query, others = views[:, 0], views[:, 1:]
        for augment in self.query_augments:
            query = augment(query)
        views = torch.cat([query.unsqueeze(1), others], dim=1)
        flat = views.flatten(0, 1)
        for augment in self.batch_augments:
            flat = augment(flat)
        return flat.view_as(views)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Prepare one batch.

        Args:
            data (dict): ``inputs`` (uint8 clips, see :meth:`stack_views`)
                and ``data_samples`` from the data loader.
            training (bool): Apply the augmentations.

        Returns:
            dict: ``inputs`` float ``B x V x 3 x T x H x W`` normalised, and
            ``data_samples``.
        """
        if self.decoder is not None:
            data = dict(data, inputs=self.decode(data))
        data = self.cast_data(data)
        inputs, sizes = data['inputs'], None
        if self.crop is not None and not isinstance(inputs, Tensor) and len(
            {tuple(x.shape[-2:])
             for x in inputs}) > 1:
            inputs, sizes = self.pad_views(list(inputs))
        views = self.stack_views(inputs)
        data_samples = data.get('data_samples')
        # mmengine runs the preprocessor inside the optimizer wrapper's
        # autocast (--amp): augment and normalise in float32 regardless.
        with torch.autocast(views.device.type, enabled=False):
            if not views.is_floating_point():
                views = views.float() / 255
            if self.crop is not None:
                views = self.crop_views(views, sizes)
            if training and self.blending is not None:
                views, data_samples = self.blending(views, data_samples)
            if training:
                views = self.augment(views)
            flat = (views.flatten(0, 1) - self.mean) / self.std
        return dict(inputs=flat.view_as(views), data_samples=data_samples)
