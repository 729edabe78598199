"""`keras-spp train-detector`: fine-tunes SPP-net's detector head on a VOC-format set (paper §4.1).

    keras-spp train-detector --backbone zf5_spp.imagenette --data ../shared/data/fruits \\
        --val-split train:40 --scales 688 --out runs/sppnet_fruits

Conv layers frozen (conv5 maps cached once per image, scale and flip), fc6/fc7 from the backbone's classifier
(a preset, or a `keras-spp train` run such as a preset fine-tuned on your classes), a new fc8 and box
regression. The run folder is a detector: `keras-spp detect IMG --model RUN`. Run it again with the same flags
to resume.
"""

FLAG_NAMES = {"backbone": "--backbone", "data": "--data", "out": "--out", "val_split": "--val-split"}


def add_arguments(parser):
    parser.add_argument(
        "--backbone",
        default="zf5_spp.imagenette",
        help="a zoo preset, a model name (random weights), or a `keras-spp train` run folder (its "
        "best weights, e.g. fine-tuned on your classes)",
    )
    parser.add_argument(
        "--backbone-file",
        help="a classifier weights file to take the conv layers and fc6/fc7 from, built as the --backbone "
        "preset (its classes and fc): e.g. the earlier file of that preset that a detector preset pins "
        "(saved_models/sppnet_zf5.fruits/zf5_spp.imagenette.v1.weights.h5); its sha256 goes in the run",
    )
    parser.add_argument("--data", required=True, help="DIR/<split>/*.jpg + *.xml, or a VOCdevkit year folder")
    parser.add_argument("--train-split", default="train")
    parser.add_argument(
        "--val-split",
        help="split scored (VOC07 mAP) after every epoch; SPLIT:N or SPLIT:F holds N images (a fraction F) of "
        "SPLIT out (by file name and --seed), e.g. train:40, and trains on the rest",
    )
    parser.add_argument("--scales", default="688", help="shorter sides: 688, or 480,576,688,864,1200")
    parser.add_argument("--out", required=True, help="run folder (resumed when it holds a checkpoint)")
    parser.add_argument("--epochs", type=int, default=12, help="passes over the images and their mirrors")
    parser.add_argument("--lr", type=float, default=0.01, help="SGD learning rate (/10 for the last quarter)")
    parser.add_argument("--no-flip", action="store_true", help="no horizontal flips")
    parser.add_argument("--proposal-mode", choices=("fast", "quality", "single"), default="fast")
    parser.add_argument("--cache-dir", help="conv5 and proposal cache (default RUN/cache)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--svm",
        action="store_true",
        help="after fine-tuning, score with per-class linear SVMs on fc7 (hard-negative mining); a finished "
        "run gets them when run again with --svm",
    )
    parser.add_argument("--svm-c", type=float, default=1e-3, help="the SVMs' C (squared hinge, fc7 at norm 20)")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2))


def run(args):
    from training.train_detector import DetectorTrainConfig, train_detector
    from zoo.detection.scales import parse_scales

    config = DetectorTrainConfig(
        backbone=args.backbone,
        backbone_file=args.backbone_file,
        data=args.data,
        out=args.out,
        train_split=args.train_split,
        val_split=args.val_split,
        scales=parse_scales(args.scales),
        epochs=args.epochs,
        lr=args.lr,
        flip=not args.no_flip,
        proposals={"mode": args.proposal_mode, "max_side": 500},
        cache_dir=args.cache_dir,
        seed=args.seed,
        svm=args.svm,
        svm_c=args.svm_c,
        verbose=args.verbose,
    )
    state = train_detector(config)
    print(f"wrote the detector to {args.out} (epoch {state['epoch']})", flush=True)
    return 0
