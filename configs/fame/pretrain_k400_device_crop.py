# pretrain_k400.py (the same bases) with crop + resize + flip on the GPU:
# the loader workers only open, sample and decode (the backend is an option
# of CheckedVideoInit: 'decord', 'pyav' or 'torchcodec');
# ContrastiveDataPreprocessor applies the
# per-clip RandomResizedCrop (area 0.2-1, aspect 3/4-4/3) + Resize + Flip to
# the whole batch in one grid_sample. Same augmentation distribution.
#   tools/dist_train.sh configs/fame/pretrain_k400_device_crop.py 8
_base_ = [
    '../_base_/models/fame_moco_inception_i3d.py',
    '../_base_/datasets/kinetics400_two_clip.py',
    '../_base_/schedules/pretrain_cosine_200e.py',
    '../_base_/pretrain_runtime.py',
]

video_backend = 'decord'
train_pipeline = [
    dict(type='CheckedVideoInit', backend=video_backend), _base_._two_clips,
    dict(type='CheckedVideoDecode')
] + _base_._pack
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
model = dict(
    data_preprocessor=dict(
        crop=dict(
            type='ClipRandomResizedCrop',
            size=224,
            area_range=_base_._crop.area_range,
            aspect_ratio_range=_base_._crop.aspect_ratio_range,
            flip_ratio=_base_._flip.flip_ratio)))
