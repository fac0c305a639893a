# Video transformers for FAME + MoCo: mmaction2's TimeSformer with divided
# space-time attention (each block: temporal attention, spatial attention,
# MLP, each pre-norm). Variables only; configs plug them into their model,
# e.g. model = dict(backbone=dict(_delete_=True, **_base_.timesformer_vit_b16))
# TimeSformer returns N x C, its class token after the final LayerNorm, so
# MoCoRecognizer needs feature_pooling='vector' (docs/transformers.md).
#
# ViT-B/16 at 8 x 224^2: the backbone of Endo-FM (Wang et al., MICCAI 2023),
# which re-pretrained its baselines, FAME among them, with it. Endo-FM's
# model is the TimeSformer "divST 8x32 224" of SVT (12 layers, 768 wide,
# 12 heads, 16 x 16 patches), the same architecture as mmaction2's.
timesformer_vit_b16 = dict(
    type='TimeSformer',
    num_frames=8,
    img_size=224,
    patch_size=16,
    embed_dims=768,
    num_heads=12,
    num_transformer_layers=12,
    attention_type='divided_space_time',
    dropout_ratio=0.0,
    pretrained=None)
timesformer_vit_b16_channels = 768

# A CPU-sized TimeSformer for the demo data (8 x 32^2 clips): 8 x 8 patches
# (16 per frame), 4 layers 64 wide with 4 heads; about 0.3 M parameters.
timesformer_tiny = dict(
    timesformer_vit_b16,
    img_size=32,
    patch_size=8,
    embed_dims=64,
    num_heads=4,
    num_transformer_layers=4)
timesformer_tiny_channels = 64
# Its optimiser settings: the time embedding, the only source of frame
# order (zero at init: the network starts blind to the direction of time),
# at 100 x the learning rate and without weight decay.
timesformer_tiny_paramwise_cfg = dict(
    custom_keys=dict(time_embed=dict(lr_mult=100, decay_mult=0)))
