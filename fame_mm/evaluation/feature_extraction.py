"""Frozen backbone features of a batch of videos (kNN monitor, benchmarks)."""
from torch import Tensor, nn

__all__ = ['video_features']


def video_features(model: nn.Module, data_batch: dict) -> Tensor:
    """Clip-averaged, globally pooled backbone features of a batch.

    Args:
        model (nn.Module): A model with a data preprocessor and
            ``mode='tensor'`` returning backbone feature maps, e.g.
            :class:`~fame_mm.models.MoCoRecognizer`.
        data_batch (dict): A collated batch of ``B`` samples of ``N`` clips.

    Returns:
        Tensor: ``B x C`` features (CPU, float32).
    """
    data = model.data_preprocessor(data_batch, training=False)
    inputs = data['inputs']  # B x N x 3 x T x H x W
    batch_size = inputs.shape[0]
    maps = model(inputs, mode='tensor')  # (B * N) x C x T' x H' x W'
    pooled = maps.flatten(2).mean(dim=2)
    return pooled.view(batch_size, -1,
                       pooled.shape[1]).mean(dim=1).float().cpu()
