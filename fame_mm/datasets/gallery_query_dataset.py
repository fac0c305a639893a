"""Gallery and query videos in one test set, for feature protocols."""
from typing import Union

from mmaction.registry import DATASETS
from mmengine.dataset import BaseDataset, ConcatDataset

GALLERY, QUERY = 'gallery', 'query'
# The metainfo key of a packed sample that names its set.
RETRIEVAL_SET_KEY = 'retrieval_set'


def _build(dataset: Union[dict, BaseDataset]) -> BaseDataset:
    return DATASETS.build(dataset) if isinstance(dataset, dict) else dataset


@DATASETS.register_module()
class GalleryQueryDataset(ConcatDataset):
    """The gallery videos followed by the query videos, each one tagged.

    Retrieval and kNN evaluation (docs/method.md §6.1-6.2) compare the test
    split (query) with the train split (gallery). This wrapper runs both
    through one test loop: every packed sample gets
    ``data_samples.metainfo['retrieval_set']`` = ``'gallery'`` or
    ``'query'``, which :class:`~fame_mm.evaluation.VideoRetrievalMetric` and
    :class:`~fame_mm.evaluation.KNNAccMetric` read.

    Args:
        gallery (dict | BaseDataset): The gallery (train split) dataset with
            labels, usually a ``VideoDataset`` with the test pipeline.
        query (dict | BaseDataset): The query (test split) dataset.
        lazy_init (bool): Defer loading the annotations. Defaults to False.
    """

    def __init__(self,
                 gallery: Union[dict, BaseDataset],
                 query: Union[dict, BaseDataset],
                 lazy_init: bool = False) -> None:
        super().__init__(
            datasets=[_build(gallery), _build(query)], lazy_init=lazy_init)

    def retrieval_set(self, idx: int) -> str:
        """``'gallery'`` or ``'query'`` for the sample at ``idx``."""
        dataset_idx, _ = self._get_ori_dataset_idx(idx)
        return (GALLERY, QUERY)[dataset_idx]

    def __getitem__(self, idx: int) -> dict:
        """The packed sample of the sub-dataset, tagged with its set."""
        sample = super().__getitem__(idx)
        if 'data_samples' not in sample:
            raise KeyError(
                'GalleryQueryDataset needs packed samples: end the pipeline '
                "with dict(type='PackActionInputs').")
        sample['data_samples'].set_metainfo(
            {RETRIEVAL_SET_KEY: self.retrieval_set(idx)})
        return sample
