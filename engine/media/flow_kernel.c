/* engine.media._flow_kernel: a flow in-between's two per-pixel passes, each in one pass over its frame.
 *
 * engine/media/flow.py makes the frame at time t between keyframes A and B from two guesses at the
 * motion of what each pixel shows (A's flow there, and B's reversed). For each guess it samples A
 * where the pixel was (x - t * motion) and B where it will be (x + (1 - t) * motion), and weights
 * each sample by how far that guess is confirmed in that keyframe; the frame is the weighted mean of
 * the four samples. In numpy and OpenCV that is four cv2.remap passes and some fifteen more over
 * frame-sized arrays (the sampling positions, the weights repeated per channel, the products, the
 * sums, the division): ~190 of the ~290 ms of CPU a 1080p in-between took. Here it is one pass:
 *   1. for one output row, each pixel's four sampling positions, their source pixels and fractions
 *      (plain C the compiler turns into vector code);
 *   2. for each pixel, its four bilinear samples (one 4-float load a source pixel: RGB and one float
 *      of slack), weighted and summed in the order flow.py's numpy path sums them, then divided.
 * Positions are the float32 values numpy computed (motion * -t + x, motion * (1 - t) + x); edge pixels
 * are replicated beyond the picture, as cv2.remap(..., BORDER_REPLICATE) does. Only the bilinear
 * sampling's rounding differs from OpenCV's (tests/engine/test_flow_kernel.py measures it).
 *
 * weights() makes what step 2 weights each sample by, at the flows' size, in one pass a row where numpy
 * and OpenCV took two cv2.remap passes and a dozen more (~25-30 ms of a 1080p in-between's ~100 against
 * ~9-10 a guess): per pixel, the two flows sampled bilinearly (exactly, where cv2.remap snaps positions to
 * 1/32 pixel), the agreements and the weights, with an e^x of IEEE operations only (exp_everywhere).
 *
 * No fused multiply-add (setup.py builds with -ffp-contract=off): the same bits on every machine and
 * for any thread count.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

#include "kernel_isa.h"

#define SAMPLES 4 /* A and B under each of the two guesses, in the order their weights are given */

typedef struct {
    int *origin[SAMPLES];   /* float offset of the sample's top-left source pixel */
    int *right[SAMPLES];    /* floats to its right-hand neighbour: 3, or 0 at the right edge */
    int *down[SAMPLES];     /* floats to the pixel below: 3 x width, or 0 at the bottom edge */
    float *across[SAMPLES]; /* the fractions toward those neighbours */
    float *along[SAMPLES];
} Taps;

/* Pass 1, one row of one sample: the source pixel and fractions where each pixel reads a picture of
 * `channels` floats a pixel, at motion * factor + (x, y). A position past an edge (or NaN) is held just
 * outside it, where every tap is the edge pixel. Inlined with `channels` a constant: vector code. */
static inline void taps_of_row_in(const float *restrict motion, float factor, int y, int width, int height,
                                  const int channels, int *restrict origin, int *restrict right,
                                  int *restrict down, float *restrict across, float *restrict along)
{
    const float right_edge = (float)width, bottom_edge = (float)height, row = (float)y;
    for (int x = 0; x < width; x++) {
        float px = motion[2 * x] * factor + (float)x, py = motion[2 * x + 1] * factor + row;
        px = px > -1.f ? px : -1.f;
        px = px < right_edge ? px : right_edge;
        py = py > -1.f ? py : -1.f;
        py = py < bottom_edge ? py : bottom_edge;
        int kx = (int)px, ky = (int)py;
        kx -= px < (float)kx; /* (int) truncates toward zero: floor for negatives */
        ky -= py < (float)ky;
        across[x] = px - (float)kx;
        along[x] = py - (float)ky;
        int x0 = kx < 0 ? 0 : kx, y0 = ky < 0 ? 0 : ky;
        x0 = x0 > width - 1 ? width - 1 : x0;
        y0 = y0 > height - 1 ? height - 1 : y0;
        origin[x] = channels * (y0 * width + x0);
        right[x] = (kx >= 0) & (kx + 1 < width) ? channels : 0;
        down[x] = (ky >= 0) & (ky + 1 < height) ? channels * width : 0;
    }
}

BOTH_ISAS
static void taps_of_row(const float *restrict motion, float factor, int y, int width, int height,
                        int *restrict origin, int *restrict right, int *restrict down, float *restrict across,
                        float *restrict along)
{
    taps_of_row_in(motion, factor, y, width, height, 3, origin, right, down, across, along);
}

#ifdef HAVE_SSE2
/* A bilinear sample of 3 floats a pixel, 4 loaded at once (RGB and one float of slack); the fourth
 * result is slack too. The bottom-right tap has the highest address of the four, so where it is not
 * the picture's very last pixel, whose slack is past the end of the buffer, no tap is. */
static inline __m128 bilinear(const float *picture, const float *last, const Taps *taps, int s, int x)
{
    const float *p = picture + taps->origin[s][x];
    const int right = taps->right[s][x], down = taps->down[s][x];
    __m128 p00, p01, p10, p11;
    if (p + down + right != last) {
        p00 = _mm_loadu_ps(p);
        p01 = _mm_loadu_ps(p + right);
        p10 = _mm_loadu_ps(p + down);
        p11 = _mm_loadu_ps(p + down + right);
    } else { /* the taps that are the last pixel, read without its slack */
        const float *taps4[4] = {p, p + right, p + down, p + down + right};
        __m128 *values[4] = {&p00, &p01, &p10, &p11};
        for (int k = 0; k < 4; k++)
            *values[k] = taps4[k] == last ? _mm_setr_ps(last[0], last[1], last[2], 0.f) : _mm_loadu_ps(taps4[k]);
    }
    __m128 across = _mm_set1_ps(taps->across[s][x]), keep_x = _mm_set1_ps(1.f - taps->across[s][x]);
    __m128 along = _mm_set1_ps(taps->along[s][x]), keep_y = _mm_set1_ps(1.f - taps->along[s][x]);
    __m128 top = _mm_add_ps(_mm_mul_ps(p00, keep_x), _mm_mul_ps(p01, across));
    __m128 bottom = _mm_add_ps(_mm_mul_ps(p10, keep_x), _mm_mul_ps(p11, across));
    return _mm_add_ps(_mm_mul_ps(top, keep_y), _mm_mul_ps(bottom, along));
}
#endif

static inline void bilinear_scalar(const float *picture, const Taps *taps, int s, int x, float out[3])
{
    const float *p = picture + taps->origin[s][x];
    const int right = taps->right[s][x], down = taps->down[s][x];
    const float across = taps->across[s][x], keep_x = 1.f - across;
    const float along = taps->along[s][x], keep_y = 1.f - along;
    for (int c = 0; c < 3; c++) {
        float top = p[c] * keep_x + p[right + c] * across;
        float bottom = p[down + c] * keep_x + p[down + right + c] * across;
        out[c] = top * keep_y + bottom * along;
    }
}

/* Pass 2, one row: ((A0 wA0 + B0 wB0) + A1 wA1) + B1 wB1 over ((wA0 + wB0) + wA1) + wB1, the sums in
 * flow.py's order. `weights` points at this row of the first of the four weight planes. */
BOTH_ISAS
static void blend_row(const float *first, const float *second, const float *last_first, const float *last_second,
                      const Taps *taps, const float *weights, Py_ssize_t plane, int width, float *out)
{
    int x = 0;
#ifdef HAVE_SSE2
    for (; x + 1 < width; x++) { /* the fourth float stored is the next pixel's red, written next */
        const float w0 = weights[x], w1 = weights[plane + x], w2 = weights[2 * plane + x], w3 = weights[3 * plane + x];
        __m128 total = _mm_mul_ps(bilinear(first, last_first, taps, 0, x), _mm_set1_ps(w0));
        total = _mm_add_ps(total, _mm_mul_ps(bilinear(second, last_second, taps, 1, x), _mm_set1_ps(w1)));
        total = _mm_add_ps(total, _mm_mul_ps(bilinear(first, last_first, taps, 2, x), _mm_set1_ps(w2)));
        total = _mm_add_ps(total, _mm_mul_ps(bilinear(second, last_second, taps, 3, x), _mm_set1_ps(w3)));
        const float sum = ((w0 + w1) + w2) + w3;
        _mm_storeu_ps(out + 3 * x, _mm_div_ps(total, _mm_set1_ps(sum)));
    }
#endif
    for (; x < width; x++) {
        const float w[4] = {weights[x], weights[plane + x], weights[2 * plane + x], weights[3 * plane + x]};
        float samples[SAMPLES][3];
        for (int s = 0; s < SAMPLES; s++)
            bilinear_scalar(s % 2 ? second : first, taps, s, x, samples[s]);
        const float sum = ((w[0] + w[1]) + w[2]) + w[3];
        for (int c = 0; c < 3; c++) {
            float total = samples[0][c] * w[0];
            total = total + samples[1][c] * w[1];
            total = total + samples[2][c] * w[2];
            total = total + samples[3][c] * w[3];
            out[3 * x + c] = total / sum;
        }
    }
}

static void inbetween_frame(const float *first, const float *second, const float *motion0, const float *motion1,
                            const float *weights, const float factor[2], int height, int width, float *out,
                            Taps *taps)
{
    const Py_ssize_t plane = (Py_ssize_t)height * width;
    const float *last_first = first + 3 * (plane - 1), *last_second = second + 3 * (plane - 1);
    for (int y = 0; y < height; y++) {
        const Py_ssize_t row = (Py_ssize_t)y * width;
        for (int s = 0; s < SAMPLES; s++) /* sample s reads keyframe s % 2 along motion s / 2 */
            taps_of_row((s < 2 ? motion0 : motion1) + 2 * row, factor[s % 2], y, width, height, taps->origin[s],
                        taps->right[s], taps->down[s], taps->across[s], taps->along[s]);
        blend_row(first, second, last_first, last_second, taps, weights + row, plane, width, out + 3 * row);
    }
}

/* ---- the weights of one guess, at the flow's size ---- */

/* e^x from IEEE additions and multiplications alone (no libm, no fused multiply-add): the same bits on
 * every machine, in plain C the compiler turns into vector code. x = n ln 2 + r with |r| <= ln 2 / 2
 * (ln 2 split in two constants, so n ln 2 is subtracted without rounding error), then the classic
 * degree-6 polynomial for e^r (Moshier's Cephes expf: within ~1 ulp) and 2^n put in the exponent bits.
 * x is held to [-87, 88]: below, the true value is under 1.7e-38, which the weights treat as 0 anyway
 * (they add 1e-3 to it or multiply it by numbers below e^12); NaN becomes e^-87. */
static inline float exp_everywhere(float x)
{
    x = x > -87.f ? x : -87.f;
    x = x < 88.f ? x : 88.f;
    const float whole = floorf(x * 1.44269504088896341f + 0.5f); /* exact everywhere, and vector code */
    const int n = (int)whole;
    float r = x - whole * 0.693359375f;
    r = r - whole * -2.12194440e-4f;
    const float r2 = r * r;
    float y = 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * r2 + r;
    y = y + 1.f;
    const int bits = (n + 127) << 23;
    float power;
    memcpy(&power, &bits, sizeof power);
    return y * power;
}

/* A flow's two channels bilinearly at one row's taps (flow_taps_of_row), edge pixels replicated
 * beyond the picture as cv2.remap(..., BORDER_REPLICATE) does. The taps come first, in vector code,
 * so this loop is only the loads and the blend: ~2.5x faster than working out each pixel's position
 * between its loads, with the same operations in the same order (the same bits). */
BOTH_ISAS
static void sample_flow_row(const float *restrict flow, const Taps *taps, int s, int width, float *restrict fx,
                            float *restrict fy)
{
    const int *restrict origin = taps->origin[s], *restrict right = taps->right[s], *restrict down = taps->down[s];
    const float *restrict across = taps->across[s], *restrict along = taps->along[s];
    for (int x = 0; x < width; x++) {
        const float *p = flow + origin[x];
        const int r = right[x], d = down[x];
        const float keep_x = 1.f - across[x], keep_y = 1.f - along[x];
        const float top_x = p[0] * keep_x + p[r] * across[x], top_y = p[1] * keep_x + p[r + 1] * across[x];
        const float bottom_x = p[d] * keep_x + p[d + r] * across[x];
        const float bottom_y = p[d + 1] * keep_x + p[d + r + 1] * across[x];
        fx[x] = top_x * keep_y + bottom_x * along[x];
        fy[x] = top_y * keep_y + bottom_y * along[x];
    }
}

BOTH_ISAS
static void flow_taps_of_row(const float *restrict motion, float factor, int y, int width, int height,
                             const Taps *taps, int s)
{
    taps_of_row_in(motion, factor, y, width, height, 2, taps->origin[s], taps->right[s], taps->down[s],
                   taps->across[s], taps->along[s]);
}

/* flow.py's FlowPair._weights for one row: where each pixel was in A (x - t motion) and will be in B
 * (x + (1 - t) motion), how well A's flow there and B's reversed flow there agree with the motion
 * (a Gaussian of their distance over the tolerance), and from those the two samples' weights.
 * `found` holds 4 x width floats: the flows sampled; `taps` two samples' taps (A's, then B's). The
 * positions are motion * -t + x, which is x - t * motion to the bit (IEEE subtraction is the addition
 * of the negation, and -t * m is -(t * m) exactly). */
BOTH_ISAS
static void weights_row(const float *restrict forward, const float *restrict backward, const float *restrict motion,
                        const float *restrict tolerance, float t, float rest, int y, int width, int height,
                        float *restrict found, const Taps *taps, float *restrict out_a, float *restrict out_b)
{
    float *restrict ax = found, *restrict ay = found + width, *restrict bx = found + 2 * width;
    float *restrict by = found + 3 * width;
    flow_taps_of_row(motion, -t, y, width, height, taps, 0);
    flow_taps_of_row(motion, rest, y, width, height, taps, 1);
    sample_flow_row(forward, taps, 0, width, ax, ay);
    sample_flow_row(backward, taps, 1, width, bx, by);
    for (int x = 0; x < width; x++) {
        const float mx = motion[2 * x], my = motion[2 * x + 1];
        const float dax = ax[x] - mx, day = ay[x] - my, dbx = -bx[x] - mx, dby = -by[x] - my;
        const float far_a = sqrtf(dax * dax + day * day) / tolerance[x];
        const float far_b = sqrtf(dbx * dbx + dby * dby) / tolerance[x];
        const float valid_a = exp_everywhere(-0.5f * far_a * far_a);
        const float valid_b = exp_everywhere(-0.5f * far_b * far_b);
        const float support = exp_everywhere(6.f * (valid_a + valid_b));
        out_a[x] = support * rest * (valid_a + 1e-3f);
        out_b[x] = support * t * (valid_b + 1e-3f);
    }
}

/* ---- the Python function ---- */

static int float_buffer(PyObject *object, Py_buffer *view, int writable, const char *name, int ndim,
                        const Py_ssize_t *shape)
{
    if (PyObject_GetBuffer(object, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_ND |
                                             (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    int fits = view->itemsize == 4 && view->format != NULL && strcmp(view->format, "f") == 0 && view->ndim == ndim;
    for (int i = 0; fits && i < ndim; i++)
        fits = view->shape[i] == shape[i];
    if (!fits) {
        PyErr_Format(PyExc_ValueError, "%s must be a C-contiguous float32 array of the size the others have", name);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* The height and width of `object`, an H x W x `channels` array small enough for int indexing: 0, or
 * -1 with the buffer error set, or 1 where it is not such an array. */
static int frame_size(PyObject *object, Py_ssize_t channels, Py_ssize_t *height, Py_ssize_t *width)
{
    Py_buffer probe;
    if (PyObject_GetBuffer(object, &probe, PyBUF_ND) < 0)
        return -1;
    int sized = probe.ndim == 3 && probe.shape[0] >= 1 && probe.shape[1] >= 1 && probe.shape[2] == channels &&
                probe.shape[0] <= INT_MAX / 8 && probe.shape[1] <= INT_MAX / 8 &&
                probe.shape[0] * probe.shape[1] <= INT_MAX / 8;
    *height = sized ? probe.shape[0] : 0;
    *width = sized ? probe.shape[1] : 0;
    PyBuffer_Release(&probe);
    return sized ? 0 : 1;
}

static void taps_free(Taps *taps)
{
    for (int s = 0; s < SAMPLES; s++) {
        PyMem_RawFree(taps->origin[s]);
        PyMem_RawFree(taps->right[s]);
        PyMem_RawFree(taps->down[s]);
        PyMem_RawFree(taps->across[s]);
        PyMem_RawFree(taps->along[s]);
    }
}

static int taps_alloc(Taps *taps, int width)
{
    int made = 1;
    for (int s = 0; s < SAMPLES; s++) {
        taps->origin[s] = PyMem_RawMalloc(sizeof(int) * (size_t)width);
        taps->right[s] = PyMem_RawMalloc(sizeof(int) * (size_t)width);
        taps->down[s] = PyMem_RawMalloc(sizeof(int) * (size_t)width);
        taps->across[s] = PyMem_RawMalloc(sizeof(float) * (size_t)width);
        taps->along[s] = PyMem_RawMalloc(sizeof(float) * (size_t)width);
        made &= taps->origin[s] != NULL && taps->right[s] != NULL && taps->down[s] != NULL &&
                taps->across[s] != NULL && taps->along[s] != NULL;
    }
    return made;
}

PyDoc_STRVAR(inbetween_doc,
"inbetween(first, second, motion0, motion1, weights, before, after, out)\n\n"
"out (H x W x 3 float32) = the weighted mean of four bilinear samples a pixel: first at\n"
"motion0 * before + (x, y), second at motion0 * after + (x, y), then the same along motion1\n"
"(motions H x W x 2 float32, before and after cast to float32), weighted by the four H x W planes of\n"
"weights (4 x H x W float32) in that order; edge pixels replicated. Runs without the GIL.");

static PyObject *inbetween(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *objects[6];
    double before, after;
    if (!PyArg_ParseTuple(args, "OOOOOddO", &objects[0], &objects[1], &objects[2], &objects[3], &objects[4],
                          &before, &after, &objects[5]))
        return NULL;
    if (!isfinite(before) || !isfinite(after))
        return PyErr_Format(PyExc_ValueError, "the motion factors must be finite");
    Py_ssize_t height, width;
    const int unsized = frame_size(objects[0], 3, &height, &width);
    if (unsized)
        return unsized < 0 ? NULL : PyErr_Format(PyExc_ValueError, "first must be an H x W x 3 picture");
    const Py_ssize_t picture[3] = {height, width, 3}, motion[3] = {height, width, 2};
    const Py_ssize_t planes[3] = {SAMPLES, height, width};
    const char *names[6] = {"first", "second", "motion0", "motion1", "weights", "out"};
    const Py_ssize_t *shapes[6] = {picture, picture, motion, motion, planes, picture};
    Py_buffer views[6];
    int taken = 0;
    for (; taken < 6; taken++)
        if (float_buffer(objects[taken], &views[taken], taken == 5, names[taken], 3, shapes[taken]) < 0)
            break;
    PyObject *result = NULL;
    if (taken == 6) {
        Taps taps;
        if (!taps_alloc(&taps, (int)width))
            PyErr_NoMemory();
        else {
            const float factor[2] = {(float)before, (float)after};
            Py_BEGIN_ALLOW_THREADS
            inbetween_frame(views[0].buf, views[1].buf, views[2].buf, views[3].buf, views[4].buf, factor,
                            (int)height, (int)width, views[5].buf, &taps);
            Py_END_ALLOW_THREADS
            result = Py_NewRef(Py_None);
        }
        taps_free(&taps);
    }
    while (taken-- > 0)
        PyBuffer_Release(&views[taken]);
    return result;
}

PyDoc_STRVAR(weights_doc,
"weights(forward, backward, motion, tolerance, t, out)\n\n"
"The two weight planes of one guess at the motion (flow.py's FlowPair._weights), at the flows' size:\n"
"forward, backward and motion H x W x 2 float32, tolerance H x W float32, out 2 x H x W float32\n"
"(A's samples, then B's). Runs without the GIL.");

static PyObject *weights(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *objects[5];
    double t;
    if (!PyArg_ParseTuple(args, "OOOOdO", &objects[0], &objects[1], &objects[2], &objects[3], &t, &objects[4]))
        return NULL;
    if (!(t > 0.0 && t < 1.0))
        return PyErr_Format(PyExc_ValueError, "t must be between 0 and 1 (exclusive)");
    Py_ssize_t height, width;
    const int unsized = frame_size(objects[2], 2, &height, &width);
    if (unsized)
        return unsized < 0 ? NULL : PyErr_Format(PyExc_ValueError, "motion must be an H x W x 2 flow");
    const Py_ssize_t field[3] = {height, width, 2}, plane[2] = {height, width}, planes[3] = {2, height, width};
    const char *names[5] = {"forward", "backward", "motion", "tolerance", "out"};
    const Py_ssize_t *shapes[5] = {field, field, field, plane, planes};
    const int dims[5] = {3, 3, 3, 2, 3};
    Py_buffer views[5];
    int taken = 0;
    for (; taken < 5; taken++)
        if (float_buffer(objects[taken], &views[taken], taken == 4, names[taken], dims[taken], shapes[taken]) < 0)
            break;
    PyObject *result = NULL;
    if (taken == 5) {
        Taps taps;
        const int made = taps_alloc(&taps, (int)width); /* A's and B's taps; allocates all four, frees all */
        float *found = PyMem_RawMalloc(4 * sizeof(float) * (size_t)width);
        if (found == NULL || !made)
            PyErr_NoMemory();
        else {
            const float *forward = views[0].buf, *backward = views[1].buf, *motion = views[2].buf;
            const float *tolerance = views[3].buf;
            float *out = views[4].buf;
            const Py_ssize_t size = height * width;
            const float t_f = (float)t, rest = (float)(1.0 - t);
            Py_BEGIN_ALLOW_THREADS
            for (int y = 0; y < (int)height; y++) {
                const Py_ssize_t at = (Py_ssize_t)y * width;
                weights_row(forward, backward, motion + 2 * at, tolerance + at, t_f, rest, y, (int)width,
                            (int)height, found, &taps, out + at, out + size + at);
            }
            Py_END_ALLOW_THREADS
            result = Py_NewRef(Py_None);
        }
        taps_free(&taps);
        PyMem_RawFree(found);
    }
    while (taken-- > 0)
        PyBuffer_Release(&views[taken]);
    return result;
}

static PyMethodDef methods[] = {
    {"inbetween", inbetween, METH_VARARGS, inbetween_doc},
    {"weights", weights, METH_VARARGS, weights_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_flow_kernel",
    "A flow in-between's blend and weights, each in one pass (see flow_kernel.c).", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__flow_kernel(void)
{
    return PyModule_Create(&module);
}
