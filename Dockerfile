# One image for the course: `docker build -t mia-course .` then `docker run -p 8501:8501 mia-course`.
# No browser inside: chromium is only for the browser tests and the load test, never at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 TF_CPP_MIN_LOG_LEVEL=2

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Not root; the app writes nothing but short-lived temporary files (Keras model export) in /tmp.
RUN useradd --create-home course
USER course

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
CMD ["streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501", \
     "--server.headless", "true", "--server.fileWatcherType", "none"]
