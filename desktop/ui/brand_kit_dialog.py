"""Brand kit… for a gallery item: the brand's name, tagline, colours and font, a live preview of
the brand sheet (``brand_sheet_preview``), and every kit file written into one folder with progress.

The preview and the writing both run on the dialog's thread pool (tracing and rendering take a
fraction of a second to a few seconds); their results come back through queued signals, so
widgets are only touched on the GUI thread. Nothing existing is replaced without asking.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, QThreadPool, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import ExportError, LogoStudioError
from desktop.gallery import GalleryItem
from desktop.logo.brand import BrandKitRequest
from desktop.logo.colors import check_hex
from desktop.logo.fonts import installed_fonts, refresh_fonts
from desktop.logo.kit import kit_files, make_brand_kit
from desktop.logo.wordmark import BUNDLED_FONT
from desktop.ui.brand_sheet_preview import BrandSheetPreview
from desktop.ui.export_dialog import remembered_folder


class _Signals(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)  # result: Written, or LogoStudioError


class BrandKitDialog(QDialog):
    """Emits ``written(list of str paths)`` after the kit is written."""

    written = Signal(list)

    def __init__(self, parent, item: GalleryItem, settings: QSettings, brand: str = "") -> None:
        """``brand``: the brand name typed in the brief (else the one used last here)."""
        super().__init__(parent)
        self._brand = brand.strip()
        self.setObjectName("brandKitDialog")
        self.setWindowTitle("Brand kit")
        self.item, self.settings = item, settings
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._signals = _Signals()
        self._signals.progress.connect(self._show_progress)
        self._signals.finished.connect(self._written)
        self._writing = False
        self._folder_written: Path | None = None
        layout = QHBoxLayout(self)
        form = QWidget()
        form.setLayout(self._build_form())
        form.setMinimumWidth(400)
        layout.addWidget(form, 1)
        layout.addLayout(self._build_preview())
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self.preview.refresh)
        for edit in (self.name_edit, self.tagline_edit, self.palette_edit, self.background_edit):
            edit.textChanged.connect(self._changed)
        self.font_combo.currentTextChanged.connect(self._changed)
        self.folder_edit.textChanged.connect(self._update_target)
        self._changed()

    # -- building ----------------------------------------------------------------------------

    def _build_form(self) -> QVBoxLayout:
        params = self.item.params
        column = QVBoxLayout()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name_edit = _line("kitNameEdit", self._brand or self.settings.value("kit/name", ""), "Your business name")
        form.addRow("Brand name", self.name_edit)
        self.tagline_edit = _line("kitTaglineEdit", self.settings.value("kit/tagline", ""), "Optional")
        form.addRow("Tagline", self.tagline_edit)
        self.palette_edit = _line("kitPaletteEdit", ", ".join(c.upper() for c in params.colors), "#RRGGBB, …")
        self.palette_edit.setToolTip("Brand colours, most important first. Empty: the colours found in the image.")
        self.swatches = QLabel()
        self.swatches.setObjectName("kitSwatches")
        palette_row = QHBoxLayout()
        palette_row.addWidget(self.palette_edit, 1)
        palette_row.addWidget(self.swatches)
        form.addRow("Colours", palette_row)
        self.background_edit = _line("kitBackgroundEdit", params.background.upper(), "From the image")
        form.addRow("Background", self.background_edit)
        refresh_fonts()
        self.font_combo = QComboBox()
        self.font_combo.setObjectName("kitFontCombo")
        self.font_combo.setEditable(True)
        self.font_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.font_combo.addItems([BUNDLED_FONT, *installed_fonts().families()])
        self.font_combo.setToolTip("A font family, a full name such as “Arial Bold”, or the path of a font file")
        self.font_combo.setCurrentText(self.settings.value("kit/font", BUNDLED_FONT))
        form.addRow("Font", self.font_combo)
        folder_row = QHBoxLayout()
        self.folder_edit = _line("kitFolderEdit", remembered_folder(self.settings, "kit/folder"), "")
        self.browse_button = QToolButton()
        self.browse_button.setText("Browse…")
        self.browse_button.clicked.connect(self._browse)
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.browse_button)
        form.addRow("Save in", folder_row)
        column.addLayout(form)
        self.target_label = _note("kitTargetLabel")
        column.addWidget(self.target_label)
        self.zip_check = QCheckBox("Also pack everything into one .zip")
        self.zip_check.setObjectName("kitZipCheck")
        self.zip_check.setChecked(self.settings.value("kit/zip", False, type=bool))
        column.addWidget(self.zip_check)
        contents = _note("kitContentsLabel")
        contents.setText(
            "Logo in 3 layouts × 6 colourings (PNG and SVG), social images (profile pictures, covers, banners, "
            "posts and stories), favicons and web manifest, app icons (1024 px, Android), an email signature, "
            "business cards (PDF), colors.json/.css and a brand sheet (PDF, PNG)."
        )
        column.addWidget(contents)
        column.addStretch(1)
        self.message = QLabel()
        self.message.setObjectName("kitMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.message)
        self.progress = QProgressBar()
        self.progress.setObjectName("kitProgress")
        self.progress.setVisible(False)
        column.addWidget(self.progress)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = QPushButton("Open folder")
        self.open_button.setObjectName("kitOpenFolderButton")
        self.open_button.clicked.connect(self._open_folder)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setVisible(False)  # after addButton, which shows it
        self.write_button = QPushButton("Write brand kit")
        self.write_button.setObjectName("writeKitButton")
        self.write_button.setDefault(True)
        self.write_button.clicked.connect(self.write_kit)
        buttons.addButton(self.write_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)
        return column

    def _build_preview(self) -> QVBoxLayout:
        column = QVBoxLayout()
        title = QLabel("Brand sheet preview")
        title.setObjectName("kitPreviewTitle")
        self.preview = BrandSheetPreview(self.item.path, self.request, self._pool)
        self.preview.shown.connect(self._preview_shown)
        self.preview.failed.connect(self._show_error)
        column.addWidget(title)
        column.addWidget(self.preview)
        column.addStretch(1)
        return column

    # -- state -------------------------------------------------------------------------------

    def request(self) -> BrandKitRequest:
        """The kit as typed; InvalidParameters says what is wrong."""
        palette = tuple(check_hex(part) for part in self.palette_edit.text().split(",") if part.strip())
        background = self.background_edit.text().strip()
        return BrandKitRequest(
            self.name_edit.text(),
            self.tagline_edit.text(),
            palette,
            check_hex(background, "background") if background else "",
            self.font_combo.currentText(),
        )

    def target_folder(self, request: BrandKitRequest) -> Path:
        """Where the files go: a folder named after the brand inside the chosen one."""
        return Path(self.folder_edit.text().strip()).expanduser() / f"{request.slug}-brand-kit"

    def _changed(self, *_args) -> None:
        self._update_swatches()
        self._update_target()
        self._timer.start()

    def _update_swatches(self) -> None:
        colors = []
        for part in (*self.palette_edit.text().split(","), self.background_edit.text()):
            try:
                if part.strip():
                    colors.append(check_hex(part))
            except LogoStudioError:
                continue
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(round(max(1, len(colors)) * 20 * ratio), round(18 * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        for index, color in enumerate(colors):
            painter.fillRect(index * 20, 0, 18, 18, QColor(color))
            painter.setPen(QColor("#b0b4b9"))
            painter.drawRect(index * 20, 0, 17, 17)
        painter.end()
        self.swatches.setPixmap(pixmap)

    def _update_target(self, *_args) -> None:
        try:
            self.target_label.setText(f"Files go into {self.target_folder(self.request())}")
        except LogoStudioError:
            self.target_label.setText("")

    def _preview_shown(self) -> None:
        if not self._writing:
            self._show_error("")

    def _show_error(self, text: str) -> None:
        self.message.setStyleSheet("QLabel { color: #b3261e; }")
        self.message.setText(text)

    # -- writing -----------------------------------------------------------------------------

    def write_kit(self) -> None:
        """Write the kit on the pool, after asking before replacing any file."""
        try:
            request = self.request()
        except LogoStudioError as error:
            self._show_error(error.message)
            return
        if not self.folder_edit.text().strip():
            self._show_error("Choose the folder to save the brand kit in.")
            return
        folder = self.target_folder(request)
        existing = [path for path in kit_files(folder, request, self.zip_check.isChecked()) if path.exists()]
        if existing and not self.confirm_replace(folder, len(existing)):
            return
        self._set_writing(True)
        source, zip_too, signals = self.item.path, self.zip_check.isChecked(), self._signals

        def work() -> None:
            try:
                written = make_brand_kit(
                    source,
                    folder,
                    request,
                    overwrite=bool(existing),
                    zip_too=zip_too,
                    on_progress=lambda done, total, path: signals.progress.emit(done, total, str(path or "")),
                )
                signals.finished.emit(written)
            except LogoStudioError as error:
                signals.finished.emit(error)
            except Exception as error:  # noqa: BLE001 - the dialog must leave its writing state
                traceback.print_exc(file=sys.stderr)
                signals.finished.emit(ExportError(f"Unexpected error while writing the brand kit: {error}"))

        self._folder_written = folder
        self._pool.start(work)  # reports back through self._signals only

    def confirm_replace(self, folder: Path, count: int) -> bool:
        """Ask before replacing ``count`` files in ``folder`` (tests replace this)."""
        answer = QMessageBox.question(
            self, "Replace files?", f"{count} files of this brand kit already exist in {folder}.\n\nReplace them?"
        )
        return answer == QMessageBox.StandardButton.Yes

    def _set_writing(self, writing: bool) -> None:
        self._writing = writing
        for widget in (
            self.name_edit,
            self.tagline_edit,
            self.palette_edit,
            self.background_edit,
            self.font_combo,
            self.folder_edit,
            self.browse_button,
            self.zip_check,
            self.write_button,
        ):
            widget.setEnabled(not writing)
        self.progress.setVisible(writing)
        if writing:
            self.progress.setRange(0, 0)
            self.open_button.setVisible(False)
            self.message.setStyleSheet("")
            self.message.setText("Preparing the logo…")

    def _show_progress(self, done: int, total: int, path: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        if path:
            self.message.setText(f"{done} of {total} files made: {Path(path).name}")

    def _written(self, result) -> None:
        self._set_writing(False)
        if isinstance(result, LogoStudioError):
            self._show_error(result.message)
            return
        self.settings.setValue("kit/name", self.name_edit.text().strip())
        self.settings.setValue("kit/tagline", self.tagline_edit.text().strip())
        self.settings.setValue("kit/font", self.font_combo.currentText())
        self.settings.setValue("kit/folder", self.folder_edit.text().strip())
        self.settings.setValue("kit/zip", self.zip_check.isChecked())
        self.message.setStyleSheet("QLabel { color: #1b6e3a; }")
        done = f"Done: {len(result.files)} files in {self._folder_written}."
        self.message.setText(" ".join([done, *result.warnings]))
        self.open_button.setVisible(True)
        self.written.emit([str(path) for path in result.files])

    def _open_folder(self) -> None:
        if self._folder_written is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._folder_written)))

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save the brand kit in", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def reject(self) -> None:
        if self._writing:  # the files are being written: closing now would hide the outcome
            return
        super().reject()

    def done(self, result: int) -> None:
        self._timer.stop()
        self._pool.waitForDone()
        super().done(result)


def _line(name: str, text: str, placeholder: str) -> QLineEdit:
    edit = QLineEdit(text)
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    edit.setClearButtonEnabled(True)
    return edit


def _note(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet("QLabel { color: #5f6670; }")
    return label
