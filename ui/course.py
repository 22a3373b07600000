"""The course's objectives and the pages that teach them, declared in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Objective:
    """One lecture objective and, once it exists, the page that teaches it."""

    number: int
    title: str
    summary: str
    page: str | None = None
    icon: str = ""


OBJECTIVES = [
    Objective(1, "How a computer sees an image",
              "Pixels and voxels are numbers: values, bit depth, RGB channels, signal and noise.",
              "lessons/pixels.py", ":material/grid_on:"),
    Objective(2, "Loading data",
              "DICOM, NIfTI and ANALYZE, PNG/JPEG/TIFF/GIF: headers, pixel values in physical units, orientation.",
              "lessons/loading.py", ":material/folder_open:"),
    Objective(3, "Exploratory data analysis",
              "How many images, their dimensions, patient metadata, histograms, corrupted data, signal-to-noise.",
              "lessons/exploring.py", ":material/query_stats:"),
    Objective(4, "Preparing data",
              "Masking, thresholding (manual and Otsu), filtering (Gaussian, median), edge detection (Roberts, Sobel).",
              page="lessons/preparing.py", icon=":material/tune:"),
    Objective(5, "Unsupervised learning",
              "Image registration (translation, rigid, affine, deformable; SSD and mutual information), clustering.",
              page="lessons/unsupervised.py", icon=":material/join_inner:"),
    Objective(6, "Supervised learning",
              "A Keras CNN: convolution, ReLU and pooling made visible, training, evaluation, Grad-CAM heatmaps.",
              page="lessons/supervised.py", icon=":material/neurology:"),
]


@dataclass(frozen=True)
class Extra:
    """A page beyond the objectives (a case study), listed after them."""

    title: str
    page: str
    icon: str
    summary: str


EXTRAS = [
    Extra("Combining learning methods: the lecture's Alzheimer's example", "lessons/case_study.py",
          ":material/psychology:",
          "Registration, then a CNN on the registered slices (Bae et al., 2020), run on simulated subjects: "
          "accuracy with and without registration, and the time per new subject."),
]
