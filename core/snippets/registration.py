"""The "Show the code" panels of the Unsupervised learning page: numpy, scipy, SimpleITK and scikit-learn only.

Each function returns complete code, with the page's current parameters
filled in, that runs as it is in a Python session with the course's
requirements and prints the numbers the page shows. A built-in sample is read
with the library that ships it (pydicom, nibabel and nilearn, scikit-image);
everything else is plain library code, written out the way `core.data.warps`,
`core.registration`, `core.atlas` and `core.clustering` compute it, with
SimpleITK's settings from `core.sitk_settings`, the ones `register` uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import samples, sitk_settings
from core.registration import bspline_meshes, pyramid
from core.data.warps import Motion
from core.snippets.loading import pydicom_data_code


@dataclass(frozen=True)
class Source:
    """Where the snippet gets its 2D image from.

    Attributes
    ----------
    sample : str or None
        A built-in sample's name, or None for the learner's own image (saved
        by the page as ``unsupervised_slice.npy``, already grey and resized).
    slice_index : int or None
        The slice of a 3D sample (None for 2D).
    rgb : bool
        The sample is colour (converted to grey by luminance).
    four_d : bool
        The sample is 4D (its first time point is used).
    shape : tuple of int
        The working image's shape.
    resized : bool
        The image was shrunk to `shape`.
    spacing : tuple of float
        mm per pixel of the working image.
    """

    sample: str | None
    slice_index: int | None
    rgb: bool
    four_d: bool
    shape: tuple[int, int]
    resized: bool
    spacing: tuple[float, float]


UPLOAD_FILE = "unsupervised_slice.npy"
"""The file the page offers for download so that the code runs on the learner's own image."""


NIFTI_READER = '''import nibabel as nib
from nibabel.orientations import apply_orientation, axcodes2ornt, io_orientation, ornt_transform


def display_frame(path):
    """A NIfTI file's voxels, axes towards superior, posterior and the patient's left (as the course shows them)."""
    image = nib.load(path)
    turn = ornt_transform(io_orientation(image.affine), axcodes2ornt(("S", "P", "L")))
    return apply_orientation(np.asanyarray(image.dataobj), turn)
'''
"""Code defining ``display_frame(path)``: a NIfTI file read with nibabel into the course's display frame."""

NILEARN_PATHS = {samples.MNI_T1: "MNI152_FILE_PATH", samples.MNI_GM: "GM_MNI152_FILE_PATH",
                 samples.MNI_WM: "WM_MNI152_FILE_PATH"}
"""The names nilearn gives the paths of the MNI152 files it ships."""


def _nifti_path(sample: samples.Sample) -> tuple[str, str]:
    """The import that gives a NIfTI sample's path, and the expression of the path."""
    if sample.package == "nilearn":
        name = NILEARN_PATHS[sample.file]
        return f"from nilearn.datasets import {name}", name
    return "import os\nfrom nibabel.testing import data_path", f"os.path.join(data_path, {sample.file!r})"


def sample_code(name: str, four_d: bool = False) -> str:
    """Code that sets ``volume`` to a built-in sample's values as the course holds them, read with its own library.

    DICOM files through pydicom (``get_testdata_file``, then the rescale to
    physical units), NIfTI files through nibabel (nilearn's MNI152 paths,
    nibabel's test data) turned into the display frame, photographs and the
    phantom through ``skimage.data``. The course's own DICOM series, which no
    library ships, comes from ``core.samples``. Needs ``numpy as np``.

    Parameters
    ----------
    name : str
        One of `core.samples.names()`.
    four_d : bool
        The sample is 4D: ``volume`` then has time first.

    Returns
    -------
    str
    """
    sample = samples.info(name)
    if sample.package == "data_store":
        return pydicom_data_code(sample, "volume") + "\n"
    if sample.package == "pydicom":
        return f'''import pydicom
from pydicom.data import get_testdata_file
from pydicom.pixels import apply_modality_lut

dataset = pydicom.dcmread(get_testdata_file({sample.file!r}))
volume = apply_modality_lut(dataset.pixel_array, dataset)  # stored values -> physical units (rescale)
'''
    if sample.package in ("nilearn", "nibabel"):
        imports, path = _nifti_path(sample)
        return (f"{imports}\n{NIFTI_READER}\nvolume = display_frame({path})\n"
                + ("volume = np.moveaxis(volume, -1, 0)  # time first\n" if four_d else ""))
    if sample.package == "skimage":
        reader = {"retina.jpg": "data.retina()", "microaneurysms.png": "data.microaneurysms()",
                  "phantom.png": "np.round(data.shepp_logan_phantom() * 255)  # the PNG's 8-bit values"}[sample.file]
        return f"from skimage import data\n\nvolume = {reader}\n"
    return (f"from core.samples import load  # written by the course: no library ships it\n\n"
            f"volume = load({name!r}).data\n")


def _fixed_code(source: Source) -> str:
    spacing = f"spacing = np.array([{source.spacing[0]!r}, {source.spacing[1]!r}])  # mm per pixel (rows, columns)"
    if source.sample is None:
        return (f'fixed = np.load("{UPLOAD_FILE}")  # your image as the page prepared it (download it above)\n'
                f"{spacing}\n")
    lines = [sample_code(source.sample, source.four_d).rstrip("\n")]
    if source.four_d:
        lines.append(f"image = volume[0][{source.slice_index}]  # first time point, one axial slice")
    elif source.slice_index is not None:
        lines.append(f"image = volume[{source.slice_index}]  # one axial slice")
    else:
        lines.append("image = volume")
    lines.append("fixed = np.nan_to_num(np.asarray(image, dtype=float))")
    if source.rgb:
        lines.append("fixed = rgb2gray(fixed[..., :3])  # colour to grey: scikit-image's luminance, in the same units")
    if source.resized:
        lines.append(f"fixed = resize(fixed, {tuple(source.shape)}, order=1, anti_aliasing=True, "
                     "preserve_range=True)  # smaller: faster")
    lines.append(spacing)
    return "\n".join(lines) + "\n"


def _skimage_imports(source: Source) -> str:
    """The scikit-image functions `_fixed_code` calls."""
    lines = ["from skimage.color import rgb2gray\n" if source.rgb and source.sample else "",
             "from skimage.transform import resize\n" if source.resized and source.sample else ""]
    return "".join(lines)


def _moving_code(motion: Motion, noise: float, contrast: float, seed: int) -> str:
    code = f'''
# the known motion of the source (moving) image
shift = np.array([{motion.shift_mm[0]!r}, {motion.shift_mm[1]!r}])  # mm: rows (down), columns (right)
angle = np.radians({motion.angles_deg[0]!r})  # clockwise on screen
scale = {motion.scale!r}
cos, sin = np.cos(angle), np.sin(angle)
true_matrix = scale * np.array([[cos, sin], [-sin, cos]])  # acts on (row, col) positions in mm
centre = (np.array(fixed.shape) - 1) / 2 * spacing
grid = np.indices(fixed.shape, dtype=float).reshape(2, -1).T * spacing
# every moving pixel y shows what the fixed image has at A^-1(y) (+ the bend)
source = (grid - centre - shift) @ np.linalg.inv(true_matrix).T + centre
'''
    if motion.warp_mm:
        code += f'''bend = {motion.warp_mm!r}  # mm: a cosine bend, one period across the image
extent = np.array(fixed.shape) * spacing
source += bend * np.cos(2 * np.pi * (grid[:, [1, 0]] - extent[[1, 0]] / 2) / extent[[1, 0]])
'''
    code += '''moving = ndimage.map_coordinates(fixed, (source / spacing).T, order=3, mode="constant",
                                 cval=fixed.min()).reshape(fixed.shape)
'''
    if contrast:
        code += f'''# another contrast: T1-like to T2-like (dark fluid turns bright, bright tissue dark)
lo, hi = moving.min(), np.percentile(moving, 99.5)
t = np.clip((moving - lo) / (hi - lo), 0, 1)
u = np.linspace(0, 1, 1001)
peak = ((1 - u) ** 2 * (1 - np.exp(-((u / 0.1) ** 2)))).max()
amount = {contrast!r}
moving = lo + (hi - lo) * ((1 - amount) * t + amount * (1 - t) ** 2 * (1 - np.exp(-((t / 0.1) ** 2))) / peak)
'''
    if noise:
        code += f'''low, high = np.percentile(fixed, [1, 99])
moving = moving + np.random.default_rng({seed}).normal(0.0, {noise!r} * (high - low), moving.shape)
'''
    return code


HEADER = "import numpy as np\nfrom scipy import ndimage\n"


def problem_snippet(source: Source, motion: Motion, noise: float, contrast: float, seed: int) -> str:
    """Code that builds the fixed and moving images and prints their sizes and similarity before registration.

    Parameters
    ----------
    source : Source
    motion : Motion
        A 2D motion.
    noise, contrast : float
        As `core.data.warps.make_problem` takes them.
    seed : int

    Returns
    -------
    str
    """
    return (HEADER + _skimage_imports(source) + "\n" + _fixed_code(source)
            + _moving_code(motion, noise, contrast, seed) + '''
a, b = fixed - fixed.mean(), moving - moving.mean()
print("image", fixed.shape, "pixel (mm)", spacing.tolist())
print("NCC before registration", round(float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum())), 4))
''')


INDENT = "    "
"""The indentation of a function's body in the snippets."""


def _stage_function(shape, metric: str, levels: int, iterations: int, sampling: float, bins: int, seed: int) -> str:
    return f'''history, starts = [], []


def run_stage(transform, label):
    """Optimise `transform` in place on the pair; record the metric of every iteration."""
    method = sitk.ImageRegistrationMethod()
    {sitk_settings.metric_code(metric, sampling, bins, seed, indent=INDENT)}
    method.SetInterpolator(sitk.sitkLinear)
    {sitk_settings.optimizer_code("linear", iterations, indent=INDENT)}
    {sitk_settings.pyramid_code(pyramid(tuple(shape), levels), indent=INDENT)}
    method.SetInitialTransform(transform, inPlace=True)
    method.AddCommand(sitk.sitkMultiResolutionIterationEvent, lambda: starts.append((len(history), label)))
    method.AddCommand(sitk.sitkIterationEvent, lambda: history.append(method.GetMetricValue()))
    method.Execute(fixed_image, moving_image)
    return method.GetOptimizerStopConditionDescription()
'''


def _sitk_images_code() -> str:
    return '''
def to_sitk(array):
    image = sitk.GetImageFromArray(array.astype(np.float32))
    image.SetSpacing((spacing[1], spacing[0]))  # SimpleITK counts x (columns) first
    return image


fixed_image, moving_image = to_sitk(fixed), to_sitk(moving)
'''


def _linear_code(transform: str) -> str:
    geometry = "sitk.CenteredTransformInitializerFilter.GEOMETRY"
    if transform == "translation":
        return f'''
centred = sitk.CenteredTransformInitializer(fixed_image, moving_image, sitk.AffineTransform(2), {geometry})
linear = sitk.TranslationTransform(2, sitk.AffineTransform(centred).GetTranslation())
stop = run_stage(linear, "translation")
'''
    if transform == "rigid":
        return f'''
linear = sitk.Euler2DTransform(sitk.CenteredTransformInitializer(fixed_image, moving_image, sitk.Euler2DTransform(),
                                                                 {geometry}))
stop = run_stage(linear, "rigid")
'''
    return f'''
# an affine starts from the best similarity (shift, rotation, one scale): rotation is hard to find among shears
similarity = sitk.Similarity2DTransform(sitk.CenteredTransformInitializer(
    fixed_image, moving_image, sitk.Similarity2DTransform(), {geometry}))
run_stage(similarity, "similarity")
linear = sitk.AffineTransform(2)
linear.SetMatrix(similarity.GetMatrix())
linear.SetCenter(similarity.GetCenter())
linear.SetTranslation(similarity.GetTranslation())
stop = run_stage(linear, "affine")
'''


def _bspline_code(shape, metric: str, levels: int, iterations: int, sampling: float, bins: int, seed: int,
                  mesh_size: int) -> str:
    coarsest, factors = bspline_meshes(mesh_size, levels)
    return f'''
# B-spline control points on top of the affine, refined at every level
bspline = sitk.BSplineTransformInitializer(fixed_image, [{coarsest}, {coarsest}], order=3)
method = sitk.ImageRegistrationMethod()
{sitk_settings.metric_code(metric, sampling, bins, seed)}
method.SetInterpolator(sitk.sitkLinear)
{sitk_settings.optimizer_code("bspline", iterations)}
{sitk_settings.pyramid_code(pyramid(tuple(shape), levels))}
method.SetMovingInitialTransform(linear)
method.SetInitialTransformAsBSpline(bspline, inPlace=True, scaleFactors={factors})
method.AddCommand(sitk.sitkMultiResolutionIterationEvent, lambda: starts.append((len(history), "B-spline")))
method.AddCommand(sitk.sitkIterationEvent, lambda: history.append(method.GetMetricValue()))
method.Execute(fixed_image, moving_image)
stop = method.GetOptimizerStopConditionDescription()
final = sitk.CompositeTransform([linear, bspline])  # applied last to first: B-spline, then the affine
'''


def _demons_code(shape, levels: int, iterations: int, sigma: float) -> str:
    shrink = pyramid(tuple(shape), levels)
    return f'''
# demons on the affinely aligned pair, coarse to fine
background = float(moving.min())
moved = sitk.Resample(moving_image, fixed_image, linear, sitk.sitkLinear, background)
field = None
for factor in {shrink}:
    level = fixed_image if factor == 1 else sitk.Shrink(
        sitk.SmoothingRecursiveGaussian(fixed_image, factor / 2 * min(fixed_image.GetSpacing())), [factor, factor])
    moved_level = sitk.Resample(moved, level, sitk.Transform(), sitk.sitkLinear, background)
    start = sitk.Image(level.GetSize(), sitk.sitkVectorFloat64, 2)
    start.CopyInformation(level)
    if field is not None:
        start = sitk.Resample(field, level, sitk.Transform(), sitk.sitkLinear, 0.0, sitk.sitkVectorFloat64)
    demons = sitk.FastSymmetricForcesDemonsRegistrationFilter()
    demons.SetNumberOfIterations({iterations})
    demons.SetStandardDeviations({sigma!r})
    starts.append((len(history), "demons"))
    demons.AddCommand(sitk.sitkIterationEvent, lambda d=demons: history.append(d.GetMetric()))
    field = demons.Execute(level, moved_level, start)
stop = "demons ran its {iterations} iterations per level"
final = sitk.CompositeTransform([linear, sitk.DisplacementFieldTransform(sitk.Cast(field, sitk.sitkVectorFloat64))])
'''


def registration_snippet(source: Source, motion: Motion, noise: float, contrast: float, seed: int,
                         transform: str, metric: str, levels: int, iterations: int, sampling: float,
                         bins: int = 16, deformable: str = "bspline", mesh_size: int = 8,
                         demons_sigma: float = 1.5, sampling_seed: int = 1, per_axis: int = 20) -> str:
    """Code that makes the problem, registers it with SimpleITK and prints what the page shows.

    Prints the iterations, the final metric, the stop reason, the recovered
    shift, rotation and scale, the TRE (mean and max, mm) over the grid
    points inside the anatomy and the NCC after registration.

    Parameters
    ----------
    source, motion, noise, contrast, seed
        The problem (see `problem_snippet`).
    transform, metric, levels, iterations, sampling, bins, deformable, mesh_size, demons_sigma
        As `core.registration.register` takes them.
    sampling_seed : int
        `register`'s `seed`: the seed of the random metric sampling.
    per_axis : int
        Grid points per axis for the TRE (see `core.data.warps.anatomy_points`).

    Returns
    -------
    str
    """
    shape = source.shape
    code = problem_snippet(source, motion, noise, contrast, seed).rsplit("\na, b = fixed", 1)[0]
    code = code.replace("import numpy as np\n", "import numpy as np\nimport SimpleITK as sitk\n"
                        "", 1)
    code += _sitk_images_code()
    code += "\n" + _stage_function(shape, metric, levels, iterations, sampling, bins, sampling_seed)
    code += _linear_code("affine" if transform == "deformable" else transform)
    final = "linear"
    if transform == "deformable" and deformable == "bspline":
        code += _bspline_code(shape, metric, levels, iterations, sampling, bins, sampling_seed, mesh_size)
        final = "final"
    elif transform == "deformable":
        code += _demons_code(shape, levels, iterations, demons_sigma)
        final = "final"
    code += f'''
registered = sitk.GetArrayFromImage(sitk.Resample(moving_image, fixed_image, {final}, sitk.sitkLinear,
                                                  float(moving.min()), sitk.sitkFloat32)).astype(float)
print("iterations", len(history), "final metric", round(history[-1], 6))
print("levels start at iterations", starts)
print("stop:", stop)

# the linear part, read at the image centre c: shift = T(c) - c
is_translation = isinstance(linear, sitk.TranslationTransform)
matrix = np.eye(2) if is_translation else np.array(linear.GetMatrix()).reshape(2, 2)[::-1, ::-1]  # (row, col)
at_centre = np.array(linear.TransformPoint(tuple(centre[::-1])))[::-1]
u, _, vt = np.linalg.svd(matrix)
rotation = u @ vt
print("recovered shift (mm)", np.round(at_centre - centre, 3).tolist(),
      "rotation (degrees)", round(float(np.degrees(np.arctan2(rotation[0, 1], rotation[0, 0]))), 3),
      "scale", round(float(np.sqrt(abs(np.linalg.det(matrix)))), 4))

# target registration error on a grid of points inside the anatomy
axes = [np.linspace(0.15 * (n - 1), 0.85 * (n - 1), {per_axis}) * s for n, s in zip(fixed.shape, spacing)]
points = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2)
index = tuple(np.round(points / spacing).astype(int).T)
background = fixed.min()
inside = fixed[index] > background + 0.1 * (np.percentile(fixed, 99) - background)  # brighter than the background
points = points[inside] if inside.sum() >= 10 else points
truth = (points - centre) @ true_matrix.T + centre + shift
'''
    if motion.warp_mm:
        code += '''for _ in range(30):  # the bend has no closed-form inverse: solve y = A(x - d(y)) by fixed-point iteration
    bent = bend * np.cos(2 * np.pi * (truth[:, [1, 0]] - extent[[1, 0]] / 2) / extent[[1, 0]])
    truth = (points - bent - centre) @ true_matrix.T + centre + shift
'''
    code += f'''found = np.array([{final}.TransformPoint(tuple(p[::-1]))[::-1] for p in points])
distances = np.linalg.norm(found - truth, axis=1)
print("TRE over", len(points), "points: mean", round(float(distances.mean()), 3), "mm, max",
      round(float(distances.max()), 3), "mm")
a, b = registered - registered.mean(), fixed - fixed.mean()
print("NCC after registration", round(float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum())), 4))
'''
    return code


def landscape_snippet(source: Source, sweep: str, offsets: list[float], bins: int = 16) -> str:
    """Code that evaluates SSD and mutual information of the image against moved copies of itself.

    One copy keeps the contrast, the other gets the full T1-to-T2-like
    remapping; for each copy and metric it prints the offset where the loss
    is lowest (0 is perfect alignment).

    Parameters
    ----------
    source : Source
    sweep : str
        ``"shift"`` (along the columns, mm) or ``"angle"`` (degrees).
    offsets : list of float
        Offsets from alignment.
    bins : int
        Mutual information's histogram bins.

    Returns
    -------
    str
    """
    remap = _moving_code(Motion((0.0, 0.0), (0.0,)), 0.0, 1.0, 0).split("# another contrast", 1)[1].split("\n", 1)[1]
    return ("import numpy as np\nimport SimpleITK as sitk\n" + _skimage_imports(source) + "\n" + _fixed_code(source)
            + "\n# the same contrast is fixed itself; another contrast: T1-like to T2-like (dark fluid turns bright)\n"
            + "other = fixed.copy()\n" + remap.replace("moving", "other")
            + f'''
fixed_image = sitk.GetImageFromArray(fixed.astype(np.float32))
fixed_image.SetSpacing((spacing[1], spacing[0]))
centre = (np.array(fixed.shape) - 1) / 2 * spacing
offsets = np.array({[float(v) for v in offsets]})  # {"mm along the columns" if sweep == "shift" else "degrees"}, from alignment
for name, copy in (("same contrast", fixed), ("other contrast", other)):
    moving_image = sitk.GetImageFromArray(copy.astype(np.float32))
    moving_image.SetSpacing((spacing[1], spacing[0]))
    for metric in ("SSD", "MI"):
        method = sitk.ImageRegistrationMethod()
        if metric == "SSD":
            {sitk_settings.metric_code("ssd", 1.0, bins, 0)}
        else:
            {sitk_settings.metric_code("mattes_mi", 1.0, bins, 0)}
        method.SetInterpolator(sitk.sitkLinear)
        values = []
        for offset in offsets:
            t = sitk.Euler2DTransform()
            t.SetCenter(tuple(centre[::-1]))
            t.SetAngle(float(np.radians({"offset" if sweep == "angle" else "0.0"})))
            t.SetTranslation(({"offset" if sweep == "shift" else "0.0"}, 0.0))  # (columns, rows) in mm
            method.SetInitialTransform(t)
            values.append(method.MetricEvaluate(fixed_image, moving_image))  # lower is better (MI is negated)
        print(name, metric, "lowest at", float(offsets[int(np.argmin(values))]), "from alignment")
''')


def atlas_snippet(transform: str, factor: int, levels: int, iterations: int, sampling: float, bins: int = 16,
                  seed: int = 1) -> str:
    """Code that registers the subject MRI to the MNI template with SimpleITK and carries the tissue maps back.

    Prints the recovered rotation angles and shift, the iterations and
    final metric, and the grey and white matter volumes (mL) found in the
    subject (transferred probability above 0.5).

    Parameters
    ----------
    transform : str
        ``"rigid"`` or ``"affine"``.
    factor : int
        The template is shrunk by averaging ``factor`` voxels per axis (2: 2 mm).
    levels, iterations, sampling, bins, seed
        As `core.registration.register` takes them.

    Returns
    -------
    str
    """
    stages = ('''similarity = sitk.Similarity3DTransform()
similarity.SetCenter(centre)
run_stage(similarity, "similarity")
linear = sitk.AffineTransform(3)
linear.SetMatrix(similarity.GetMatrix())
linear.SetCenter(similarity.GetCenter())
linear.SetTranslation(similarity.GetTranslation())
run_stage(linear, "affine")''' if transform == "affine" else '''linear = sitk.Euler3DTransform()
linear.SetCenter(centre)
run_stage(linear, "rigid")''')
    import nibabel

    template_shape = nibabel.load(samples.SAMPLES[2].path).shape  # the header only
    shrink = pyramid(tuple(n // factor for n in template_shape), levels)
    return f'''import os

import numpy as np
import SimpleITK as sitk
from nibabel.testing import data_path
from nilearn.datasets import GM_MNI152_FILE_PATH, MNI152_FILE_PATH, WM_MNI152_FILE_PATH

# SimpleITK reads the NIfTI headers: every voxel gets its position in mm (LPS); DICOMOrient puts the
# axes towards the patient's left, back and top, the course's display frame
read = lambda path: sitk.DICOMOrient(sitk.Cast(sitk.ReadImage(str(path)), sitk.sitkFloat32), "LPS")
template = sitk.BinShrink(read(MNI152_FILE_PATH), [{factor}] * 3)  # MNI152 T1 (nilearn), {factor} mm voxels
subject = read(os.path.join(data_path, "anatomical.nii"))  # nibabel's test subject
grey = sitk.BinShrink(read(GM_MNI152_FILE_PATH), [{factor}] * 3) / 255.0
white = sitk.BinShrink(read(WM_MNI152_FILE_PATH), [{factor}] * 3) / 255.0

history = []
size = np.array(template.GetSize())
centre = template.TransformContinuousIndexToPhysicalPoint(tuple((size - 1) / 2.0))


def run_stage(transform, label):
    """Optimise `transform` in place: the template is fixed, the subject moves; headers give the start."""
    method = sitk.ImageRegistrationMethod()
    {sitk_settings.metric_code("mattes_mi", sampling, bins, seed, indent=INDENT)}
    method.SetInterpolator(sitk.sitkLinear)
    {sitk_settings.optimizer_code("linear", iterations, indent=INDENT)}
    {sitk_settings.pyramid_code(shrink, indent=INDENT)}
    method.SetInitialTransform(transform, inPlace=True)
    method.AddCommand(sitk.sitkIterationEvent, lambda: history.append(method.GetMetricValue()))
    method.Execute(template, subject)


{stages}
print("iterations", len(history), "final metric", round(history[-1], 6))
if isinstance(linear, sitk.Euler3DTransform):
    print("angles about x, y, z (degrees)", np.round(np.degrees([linear.GetAngleX(), linear.GetAngleY(),
                                                                 linear.GetAngleZ()]), 3).tolist())
print("shift (mm, x y z)", np.round(linear.GetTranslation(), 3).tolist())

# label transfer: every subject voxel, taken back to the template by the inverse transform, reads the maps there
inverse = linear.GetInverse()
voxel_ml = float(np.prod(subject.GetSpacing())) / 1000
for name, tissue in (("grey matter", grey), ("white matter", white)):
    on_subject = sitk.GetArrayFromImage(sitk.Resample(tissue, subject, inverse, sitk.sitkLinear, 0.0))
    print(name, "in the subject:", round(float((on_subject > 0.5).sum() * voxel_ml), 2), "mL")
'''


def _clusters_code(k: int, method: str, seed: int, values: str) -> str:
    """Code that clusters `values` (an array) into ``labels``, 1 to k from dark to bright, as `cluster_intensities`."""
    model = (f"KMeans({k}, n_init=3, random_state={seed})" if method == "kmeans"
             else f"GaussianMixture({k}, random_state={seed})")
    return f'''mask = {values} > {values}.min()  # leave the background (the darkest value) out
x = {values}[mask].astype(float).reshape(-1, 1)
if len(x) > 200_000:  # fit on a seeded subsample, then label every voxel
    fit = x[np.random.default_rng({seed}).choice(len(x), 200_000, replace=False)]
else:
    fit = x
model = {model}.fit(fit)  # sees only intensities, never a label
raw = model.predict(x)
order = np.argsort([x[raw == i].mean() for i in range({k})])  # number clusters from dark to bright
rank = np.empty({k}, dtype=int)
rank[order] = np.arange(1, {k} + 1)
labels = np.zeros({values}.shape, dtype=int)
labels[mask] = rank[raw]
'''


def _model_import(method: str) -> str:
    return "from sklearn.cluster import KMeans" if method == "kmeans" else "from sklearn.mixture import GaussianMixture"


def clustering_snippet(k: int, method: str, step: int = 2, seed: int = 0) -> str:
    """Code that clusters the MNI template's intensities with scikit-learn and prints the Dice of each tissue.

    Parameters
    ----------
    k : int
        Number of clusters.
    method : str
        ``"kmeans"`` or ``"gmm"``.
    step : int
        Every `step`-th voxel along each axis is used (2: 2 mm).
    seed : int

    Returns
    -------
    str
    """
    return f'''import numpy as np
{_model_import(method)}
from nilearn.datasets import GM_MNI152_FILE_PATH, MNI152_FILE_PATH, WM_MNI152_FILE_PATH
{NIFTI_READER}
t1, grey, white = (display_frame(path)[::{step}, ::{step}, ::{step}]
                   for path in (MNI152_FILE_PATH, GM_MNI152_FILE_PATH, WM_MNI152_FILE_PATH))
{_clusters_code(k, method, seed, "t1")}
# only now look at the tissue maps: name each cluster after the tissue holding most of its voxels
truth = {{"grey matter": (grey / 255 > 0.5) & mask, "white matter": (white / 255 > 0.5) & mask}}
names = []
for cluster in range(1, {k} + 1):
    members = labels == cluster
    overlaps = {{name: int((t & members).sum()) for name, t in truth.items()}}
    other = int(members.sum()) - int(((truth["grey matter"] | truth["white matter"]) & members).sum())
    best = max(overlaps, key=overlaps.get)
    names.append(best if overlaps[best] > other else "other")
print("clusters from dark to bright:", names)
for name, t in truth.items():
    found = np.isin(labels, [i + 1 for i, n in enumerate(names) if n == name])
    print(name, "Dice", round(2 * (found & t).sum() / (found.sum() + t.sum()), 4))
'''


def clustering_image_snippet(source: Source, k: int, method: str, seed: int = 0) -> str:
    """Code that clusters the intensities of the page's working slice and prints each cluster's mean and size.

    Parameters
    ----------
    source : Source
        The working 2D image.
    k : int
        Number of clusters.
    method : str
        ``"kmeans"`` or ``"gmm"``.
    seed : int

    Returns
    -------
    str
    """
    return f'''import numpy as np
{_model_import(method)}
{_skimage_imports(source)}
{_fixed_code(source)}
{_clusters_code(k, method, seed, "fixed")}
for cluster in range(1, {k} + 1):
    print("cluster", cluster, "mean", round(float(fixed[labels == cluster].mean()), 3),
          "pixels", int((labels == cluster).sum()))
'''


def figure_snippet(source: Source, motion: Motion, noise: float, contrast: float, seed: int, transform: str,
                   metric: str, levels: int, iterations: int, sampling: float, tiles: int, alpha: float,
                   **options) -> str:
    """Code for the lecture's figure: the registration, then the five panels, checkerboard and blend with numpy.

    Prints the mean absolute difference of the 8-bit target and source
    before and after registration, as the page does under the figure.

    Parameters
    ----------
    source, motion, noise, contrast, seed, transform, metric, levels, iterations, sampling
        As `registration_snippet` takes them.
    tiles : int
        Checkerboard tiles along the longer side.
    alpha : float
        Blend weight of the registered source.
    **options
        More `registration_snippet` options (deformable, mesh_size...).

    Returns
    -------
    str
    """
    code = registration_snippet(source, motion, noise, contrast, seed, transform, metric, levels, iterations,
                                sampling, **options)
    return code + f'''

# the lecture's figure: every image windowed to 8 bits on its own 1st-99th percentiles
def to_8bit(image, reference):
    lo, hi = np.percentile(reference, [1, 99])
    if hi <= lo:
        lo, hi = reference.min(), reference.max()
    return np.clip((image - lo) * (255.0 / (hi - lo)) + 0.5, 0, 255).astype(np.uint8)


target, source = to_8bit(fixed, fixed), to_8bit(moving, moving)
result = to_8bit(registered, moving)  # the registered source keeps the source's window
overlay_before = np.stack([target, source, target], axis=-1)  # (d) target magenta, source green
overlay_after = np.stack([target, result, target], axis=-1)  # (e)
size = int(np.ceil(max(target.shape) / {tiles}))
rows, cols = np.indices(target.shape)
checkerboard = np.where((rows // size + cols // size) % 2 == 1, result, target)
blend = np.clip(((1 - {alpha!r}) * target + {alpha!r} * result).round(), 0, 255).astype(np.uint8)
before = np.abs(target.astype(int) - source).mean()
after = np.abs(target.astype(int) - result).mean()
print("mean absolute difference (grey levels): before", round(float(before), 2), "after", round(float(after), 2))
'''
