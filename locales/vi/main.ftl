# Giao diện chung
app-name = Dân vận khéo
footer-tagline = Nền tảng công tác dân vận của chính quyền cơ sở
skip-to-content = Chuyển đến nội dung chính
nav-label = Điều hướng chính
nav-home = Trang chủ
nav-units = Đơn vị
nav-users = Người dùng
nav-audit = Nhật ký thay đổi
logout = Đăng xuất
save = Lưu
cancel = Hủy
edit = Sửa
search = Tìm kiếm
filter = Lọc
all = Tất cả
choose = — Chọn —
actions = Thao tác
activate = Kích hoạt lại
deactivate = Ngừng hoạt động
revoke = Thu hồi
status-active = Đang hoạt động
status-inactive = Ngừng hoạt động
form-has-errors = Vui lòng sửa các ô được đánh dấu bên dưới.
pagination-label = Phân trang
pagination-prev = Trang trước
pagination-next = Trang sau
pagination-page = Trang { $number }/{ $pages }
pagination-total = { $total } mục

# Trường dữ liệu
field-username = Tên đăng nhập
field-password = Mật khẩu
field-current-password = Mật khẩu hiện tại
field-new-password = Mật khẩu mới
field-confirm-password = Nhập lại mật khẩu mới
field-full-name = Họ và tên
field-email = Thư điện tử
field-name = Tên
field-kind = Loại
field-code = Mã
field-parent = Đơn vị cấp trên
field-status = Trạng thái
field-unit = Đơn vị
field-home-unit = Đơn vị công tác
field-language = Ngôn ngữ
field-role = Vai trò
field-first-role = Vai trò ban đầu (tại đơn vị công tác)
field-last-login = Đăng nhập gần nhất

# Lỗi nhập liệu
error-required = Không được để trống.
error-too-long = Nội dung quá dài.
error-invalid-choice = Lựa chọn không hợp lệ.
error-username = Từ 3 đến 40 ký tự: chữ thường không dấu, số, dấu chấm, gạch dưới hoặc gạch ngang.
error-username-taken = Tên đăng nhập này đã có người dùng.
error-email = Địa chỉ thư điện tử không hợp lệ.
error-password-short = Mật khẩu phải có ít nhất 10 ký tự.
error-password-weak = Mật khẩu không được chỉ gồm chữ hoặc chỉ gồm số.
error-password-mismatch = Hai lần nhập mật khẩu không khớp.
error-password-same = Mật khẩu mới phải khác mật khẩu hiện tại.
error-password-wrong = Mật khẩu hiện tại không đúng.
error-date = Ngày phải có dạng dd/mm/yyyy.
error-unit-cycle = Không thể chuyển đơn vị vào chính nó hoặc đơn vị cấp dưới của nó.
error-unit-has-active-children = Đơn vị còn đơn vị cấp dưới đang hoạt động; hãy ngừng hoạt động các đơn vị đó trước.
error-grant-invalid = Vai trò hoặc đơn vị không hợp lệ.
error-deactivate-self = Không thể tự ngừng hoạt động tài khoản của mình.

# Trang lỗi
error-status = Mã lỗi { $status }
error-back-home = Về trang chủ
error-not-found-title = Không tìm thấy trang
error-not-found-text = Trang hoặc bản ghi này không tồn tại hoặc đã bị xóa.
error-forbidden-title = Không có quyền truy cập
error-forbidden-text = Tài khoản của đồng chí không có quyền thực hiện thao tác này tại đơn vị này.
error-csrf-title = Phiên làm việc đã hết hạn
error-csrf-text = Biểu mẫu đã cũ hoặc không hợp lệ. Vui lòng tải lại trang và thử lại.
error-bad-request-title = Yêu cầu không hợp lệ
error-bad-request-text = Dữ liệu gửi lên không đúng định dạng.
error-internal-title = Đã xảy ra lỗi
error-internal-text = Hệ thống gặp sự cố. Dữ liệu chưa được thay đổi; vui lòng thử lại sau.

# Đăng nhập
login-title = Đăng nhập
login-submit = Đăng nhập
login-failed = Tên đăng nhập hoặc mật khẩu không đúng.
login-locked = Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau { $minutes } phút.
login-help = Quên mật khẩu? Đề nghị quản trị viên của đơn vị cấp lại mật khẩu dùng một lần.
flash-logged-out = Đã đăng xuất.
flash-saved = Đã lưu.
flash-password-changed = Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc.

# Tài khoản
account-title = Tài khoản của tôi
account-roles = Vai trò được giao
account-no-roles = Chưa được giao vai trò nào.
account-language = Ngôn ngữ giao diện
password-title = Đổi mật khẩu
password-forced = Đồng chí đang dùng mật khẩu dùng một lần. Vui lòng đặt mật khẩu mới để tiếp tục.
password-rules = Ít nhất 10 ký tự, gồm cả chữ và số hoặc ký hiệu.
language-vi = Tiếng Việt
language-en = Tiếng Anh

# Trang chủ
home-title = Trang chủ
home-welcome = Xin chào, { $name }
home-no-roles = Tài khoản chưa được giao vai trò tại đơn vị nào. Liên hệ quản trị viên để được phân quyền.
home-units = Đơn vị trong phạm vi ({ $count })

# Vai trò
role-admin = Quản trị
role-committee = Cấp ủy
role-ward_team = Tổ công tác
role-reviewer = Mặt trận Tổ quốc (giám sát, đánh giá)
role-viewer = Xem

# Đơn vị
units-title = Đơn vị
units-new-title = Thêm đơn vị
units-edit-title = Sửa đơn vị
units-add-child = Thêm cấp dưới
units-empty = Chưa có đơn vị nào.
units-no-parent = (Cấp cao nhất)
units-code-hint = Không bắt buộc, ví dụ mã đơn vị hành chính.
unit-kind-province = Tỉnh
unit-kind-city = Thành phố trực thuộc trung ương
unit-kind-district = Quận/huyện (trước 7/2025)
unit-kind-commune = Xã
unit-kind-ward = Phường
unit-kind-special_zone = Đặc khu
unit-kind-village = Thôn/bản/ấp
unit-kind-residential_group = Tổ dân phố/khu phố
unit-kind-department = Sở, ban, ngành
unit-kind-party_committee = Đảng ủy
unit-kind-front_committee = Ủy ban MTTQ
unit-kind-mass_organization = Đoàn thể

# Người dùng
users-title = Người dùng
users-new-title = Thêm người dùng
users-edit-title = Sửa người dùng
users-empty = Không có người dùng nào.
users-no-role = (Chưa giao vai trò)
users-roles = Vai trò theo đơn vị
users-grant = Giao vai trò
users-account-actions = Tài khoản
users-reset-password = Cấp lại mật khẩu dùng một lần
users-history = Lịch sử thay đổi
users-one-time-hint = Hệ thống sẽ tạo mật khẩu dùng một lần và hiển thị một lần duy nhất sau khi lưu.
users-one-time-shown = Mật khẩu dùng một lần của { $username }:
users-one-time-warning = Mật khẩu chỉ hiển thị lần này. Hãy trao trực tiếp cho người dùng; khi đăng nhập họ phải đặt mật khẩu mới.
username-rules = Chữ thường không dấu, số, dấu chấm, gạch dưới, gạch ngang; ví dụ nguyen.van.a

# Nhật ký
audit-title = Nhật ký thay đổi
audit-at = Thời gian
audit-action = Thao tác
audit-entity = Đối tượng
audit-entity-id = Mã đối tượng
audit-changes = Nội dung thay đổi
audit-from = Từ ngày
audit-until = Đến ngày
audit-system = Hệ thống
audit-empty = Không có bản ghi nào.

# Thư điện tử
nav-mail = Thư điện tử
mail-title = Cấu hình thư điện tử
mail-transport = Cách gửi
mail-from = Địa chỉ gửi
mail-files-note = Chưa cấu hình máy chủ SMTP (SMTP_HOST): thư được ghi thành tệp .eml trong thư mục trên, không được gửi đi.
mail-test-title = Gửi thư thử
mail-test-to = Gửi đến địa chỉ
mail-test-send = Gửi thư thử
mail-test-sent = Đã gửi thư thử.
mail-test-failed = Không gửi được thư. Máy chủ thư trả lời:
mail-test-subject = Thư thử từ hệ thống Dân vận khéo
mail-test-greeting = Kính gửi đồng chí { $name },
mail-test-body = Đây là thư thử để kiểm tra cấu hình gửi thư của hệ thống. Đồng chí không cần trả lời thư này.
