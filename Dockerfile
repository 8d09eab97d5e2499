FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --system portal && mkdir -p /app/var /app/staticfiles && chown -R portal /app/var /app/staticfiles
USER portal
EXPOSE 8000
