# The data set of the Redmine comparison (bench/redmine.py), run once by
# `rails runner` inside a fresh Redmine instance after its migrations and
# default data: the admin's password, a public project with 20 members and
# BENCH_ISSUES open issues, inserted in batches of 1,000 rows.
#
#   BENCH_PASSWORD=... BENCH_ISSUES=10000 rails runner -e production redmine_seed.rb

password = ENV.fetch('BENCH_PASSWORD')
count = Integer(ENV.fetch('BENCH_ISSUES', '10000'))

ActiveRecord::Base.transaction do
  admin = User.find_by!(login: 'admin')
  admin.password = password
  admin.password_confirmation = password
  admin.must_change_passwd = false
  admin.save!
  # Pages need a login, so a request whose session was lost gets a redirect
  # to /login rather than the anonymous page, and the benchmark counts it.
  Setting.login_required = '1'

  project = Project.find_by(identifier: 'bench') ||
            Project.create!(name: 'Benchmark', identifier: 'bench', is_public: true,
                            description: 'Redmine comparison of the Dan van kheo benchmark')
  project.trackers = Tracker.sorted.to_a
  project.enable_module!(:issue_tracking)

  developer = Role.givable.find_by(name: 'Developer') || Role.givable.first
  members = (1..20).map do |i|
    login = format('dev%02d', i)
    user = User.find_by(login: login) || User.new.tap do |u|
      u.login = login
      u.firstname = 'Developer'
      u.lastname = format('%02d', i)
      u.mail = "#{login}@bench.invalid"
      u.password = u.password_confirmation = password
      u.save!
    end
    Member.create!(project: project, principal: user, role_ids: [developer.id]) unless user.member_of?(project)
    user
  end

  # All open, so the default list (open issues, newest first) holds every one.
  statuses = IssueStatus.where(is_closed: false).sorted.pluck(:id)
  priorities = IssuePriority.active.pluck(:id)
  trackers = project.trackers.pluck(:id)
  assignees = [nil, admin.id] + members.map(&:id)
  words = %w[login page report export import search filter mail upload calendar
             gantt wiki timeline permission dashboard attachment notification
             settings migration backup layout]
  start = Time.utc(2025, 1, 6, 8, 0, 0)
  have = Issue.where(project_id: project.id).count
  rows = (have...count).map do |n|
    created = start + (n * 47 * 60)
    {
      project_id: project.id,
      tracker_id: trackers[n % trackers.size],
      status_id: statuses[(n / 7) % statuses.size],
      priority_id: priorities[(n / 3) % priorities.size],
      author_id: members[n % members.size].id,
      assigned_to_id: assignees[n % assignees.size],
      subject: "#{words[n % words.size].capitalize} #{words[(n / 20) % words.size]}: case #{n + 1}",
      description: "Steps to reproduce case #{n + 1}:\n\n1. Open the #{words[n % words.size]} page\n" \
                   "2. Use the #{words[(n / 3) % words.size]}\n\nExpected: it works.",
      start_date: created.to_date,
      due_date: n.even? ? (created + 14 * 86_400).to_date : nil,
      done_ratio: (n % 11) * 10,
      estimated_hours: n % 4 == 0 ? (n % 16) + 1 : nil,
      created_on: created,
      updated_on: created + ((n % 30) * 3600),
      lock_version: 0,
      is_private: false,
      lft: 1,
      rgt: 2
    }
  end
  rows.each_slice(1000) { |batch| Issue.insert_all!(batch) }
  # Each issue is the root of its own nested set (no parents).
  Issue.where(root_id: nil).update_all('root_id = id')

  puts "seeded: #{Issue.where(project_id: project.id).count} issues in project #{project.identifier}"
end
