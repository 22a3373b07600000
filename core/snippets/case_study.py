"""The Python shown in the "Show the code" panels of the case-study page.

Each function returns complete code, with the page's current parameters
filled in, that runs as it is in a Python session with the course's
requirements (numpy, scipy, scikit-image, SimpleITK, Keras) and prints the
numbers the page shows. The template comes from ``core.samples``; the
simulated cohort comes from the course's own generator
(``core.case_study.simulate``), the way a real cohort would come from its
archive. Everything else is plain library code, written out the way
`core.case_study` and `core.registration` compute it.
"""

from __future__ import annotations

from core.case_study import SLICE, Motion


def subject_snippet(ventricle_mm: int, cortex_mm: int, motion: Motion, z: int = SLICE) -> str:
    """Code that makes one simulated subject from the template: atrophy by morphology, then head motion.

    Parameters
    ----------
    ventricle_mm, cortex_mm : int
        Radii of the dilation of the ventricles and of the erosion of the cortex.
    motion : Motion
        The subject's head position.
    z : int
        The template's axial slice.

    Returns
    -------
    str
        Prints the ventricle area before and after, in mm².
    """
    return f'''import numpy as np
from scipy import ndimage as ndi
from skimage.morphology import disk
from core.samples import SAMPLES, load

z = {z}  # axial slice through the lateral ventricles
t1, grey, white = (load(SAMPLES[i].name).data[z].astype(float) / 255 for i in (2, 3, 4))
grey, white = grey > 0.5, white > 0.5          # grey and white matter maps -> masks (1 mm pixels)
brain = grey | white
holes = ndi.binary_opening(ndi.binary_fill_holes(brain) & ~brain, disk(1))  # fluid enclosed by the brain
labels, n = ndi.label(holes)
areas = ndi.sum(holes, labels, range(1, n + 1))
ventricles = np.isin(labels, 1 + np.flatnonzero(areas >= 50))  # the big pieces: the lateral ventricles
csf = t1[ventricles].mean()

# atrophy: the ventricles grow (dilation), the cortex thins from outside (erosion)
bigger = ndi.binary_dilation(ventricles, disk({int(ventricle_mm)})) & (brain | ventricles) if {int(ventricle_mm)} else ventricles
lost = bigger & ~ventricles
if {int(cortex_mm)}:
    inside = ndi.binary_erosion(brain | ventricles, disk({int(cortex_mm)}), border_value=1)
    lost |= grey & ~inside
subject = t1.copy()
subject[lost] = csf                             # lost tissue becomes fluid; the head keeps its size

# head motion: rotation {motion.angle_deg:.1f} degrees, shift {motion.shift_mm[0]:.1f}, {motion.shift_mm[1]:.1f} mm, scale {motion.scale:.3f}
theta = np.radians({motion.angle_deg!r})
forward = {motion.scale!r} * np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
inverse = np.linalg.inv(forward)
centre = (np.array(subject.shape) - 1) / 2
offset = centre - inverse @ (centre + np.array([{motion.shift_mm[0]!r}, {motion.shift_mm[1]!r}]))
scanned = ndi.affine_transform(subject, inverse, offset=offset, order=1)
print("ventricle area (mm2): template", int(ventricles.sum()), "subject", int(bigger.sum()))
print("cortex pixels lost", int((lost & grey).sum()))
'''


def registration_snippet(n: int, atrophy_mm: float, motion: float, size: int, seed: int, index: int,
                         iterations: int = 60) -> str:
    """Code that registers one simulated subject to the template with SimpleITK (similarity, then affine).

    Parameters
    ----------
    n, atrophy_mm, motion, size, seed
        The cohort (see `core.case_study.simulate`).
    index : int
        The subject to register.
    iterations : int
        Maximum iterations per resolution level.

    Returns
    -------
    str
        Prints the correlation with the template before and after registration, and the found scale.
    """
    from core import sitk_settings
    from core.registration import pyramid

    indent = "    "
    return f'''import numpy as np
import SimpleITK as sitk
from core.case_study import simulate  # the course's simulated cohort

cohort = simulate({n}, atrophy_mm={atrophy_mm!r}, motion={motion!r}, size={size}, seed={seed})
fixed, moving = cohort.template, cohort.images[{index}]
mm = cohort.mm_per_pixel


def to_sitk(array):
    image = sitk.GetImageFromArray(np.ascontiguousarray(array, dtype=np.float32))
    image.SetSpacing((mm, mm))
    return image


fixed_image, moving_image = to_sitk(fixed), to_sitk(moving)


def run_stage(transform):
    """Optimise `transform` in place: correlation, gradient descent, a 2-level pyramid."""
    method = sitk.ImageRegistrationMethod()
    {sitk_settings.metric_code("correlation", 0.5, 16, 1, indent=indent)}
    method.SetInterpolator(sitk.sitkLinear)
    {sitk_settings.optimizer_code("linear", iterations, indent=indent)}
    {sitk_settings.pyramid_code(pyramid((size, size), 2), indent=indent)}
    method.SetInitialTransform(transform, inPlace=True)
    method.Execute(fixed_image, moving_image)


# shift, rotation and one scale first, then all six affine parameters
similarity = sitk.Similarity2DTransform(sitk.CenteredTransformInitializer(
    fixed_image, moving_image, sitk.Similarity2DTransform(), sitk.CenteredTransformInitializerFilter.GEOMETRY))
run_stage(similarity)
affine = sitk.AffineTransform(2)
affine.SetMatrix(similarity.GetMatrix())
affine.SetCenter(similarity.GetCenter())
affine.SetTranslation(similarity.GetTranslation())
run_stage(affine)
registered = sitk.GetArrayFromImage(sitk.Resample(moving_image, fixed_image, affine, sitk.sitkLinear,
                                                  float(moving.min())))


def ncc(a, b):
    a, b = a.ravel() - a.mean(), b.ravel() - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


print("correlation with the template: before", round(ncc(fixed, moving), 3),
      "after", round(ncc(fixed, registered), 3))
print("scale found", round(float(abs(np.linalg.det(np.reshape(affine.GetMatrix(), (2, 2)))) ** 0.5), 3))
'''


def cnn_snippet(n: int, atrophy_mm: float, motion: float, size: int, seed: int, epochs: int) -> str:
    """Code that trains the case study's CNN on registered and on unregistered slices and prints both accuracies.

    Parameters
    ----------
    n, atrophy_mm, motion, size, seed
        The cohort (see `core.case_study.simulate`).
    epochs : int

    Returns
    -------
    str
    """
    return f'''import numpy as np
import keras
from core.case_study import register_cohort, simulate, split  # the course's cohort and step 1

cohort = simulate({n}, atrophy_mm={atrophy_mm!r}, motion={motion!r}, size={size}, seed={seed})
registered, seconds = register_cohort(cohort)  # step 1, SimpleITK (see the code above)
train, test = split(cohort.labels, seed={seed})  # the same share of each group held out
y = cohort.labels


def cnn():
    keras.utils.set_random_seed({seed})
    return keras.Sequential([
        keras.Input(({size}, {size}, 1)),
        keras.layers.Rescaling(2.0, offset=-1.0),          # [0, 1] -> [-1, 1]
        keras.layers.Conv2D(8, 3, padding="same"), keras.layers.ReLU(), keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(16, 3, padding="same"), keras.layers.ReLU(), keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(2, activation="softmax"),
    ])


for name, images in (("with registration", registered), ("without registration", cohort.images)):
    x = images[..., None].astype("float32")
    model = cnn()
    keras.utils.set_random_seed({seed})
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x[train], y[train], validation_data=(x[test], y[test]), epochs={epochs}, batch_size=16,
              shuffle=True, verbose=0)
    predicted = model.predict(x[test], verbose=0).argmax(axis=1)
    print(name, "accuracy", round(float((predicted == y[test]).mean()), 3))
'''
